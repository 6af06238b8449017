import { DeleteOutlined, FilterFilled, PlusOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Flex, Input, Space, Table, Tabs, Typography } from "antd";
import type { ColumnsType, SorterResult, TablePaginationConfig } from "antd/es/table/interface";
import { useLocation, useNavigate, useParams } from "react-router-dom";
import { useEffect, useMemo, useState } from "react";
import { api, ApiError, Submission } from "../api/client";
import type { ActionDef, AppDefinition, EntityDef, FieldDef, RecordData, ViewDef } from "../api/types";
import { ExportMenu } from "../components/ExportMenu";
import { ImportDialog } from "../components/ImportDialog";
import { KanbanBoard } from "../components/KanbanBoard";
import { LoadError, NotFound } from "../components/LoadError";
import { entityViews, findEntity, isSortable, listColumns } from "../definition";
import { cellValue } from "../fields/registry";
import { useAppDefinition, useAppRoles, useEntityAccess } from "../hooks/useAppDefinition";
import { DEFAULT_PAGE_SIZE, useListParams } from "../hooks/useListParams";
import { useLoader } from "../hooks/useLoader";
import { usePhone } from "../hooks/usePhone";
import { useI18n } from "../hooks/useI18n";
import { listApi, type FilterCatalogue } from "../list/api";
import { BulkBar } from "../list/BulkBar";
import { CardList } from "../list/CardList";
import { ConditionEditor } from "../list/ConditionEditor";
import { PhoneTools } from "../list/PhoneTools";
import { FilterBuilder } from "../list/FilterBuilder";
import { FilterChips } from "../list/FilterChips";
import { filterKind, isComplete, type Condition } from "../list/filters";
import { useNewInList } from "../list/newInList";
import { useListFilters, type Refinement } from "../list/useListFilters";
import { SavedViewsMenu } from "../list/SavedViewsMenu";

/** "Select all matching" stops here: a bulk request takes at most this many records. */
const MAX_SELECTION = 1000;
/** The largest page the server answers (docs/filters.md). */
const MAX_PAGE_SIZE = 500;

/** The tab of an entity without a table view: all its records, in the default columns. */
const PLAIN_LIST = "";

type List = ReturnType<typeof useListParams>;

function sortOrderOf(field: FieldDef, sort: string | undefined) {
  if (sort === field.key) return "ascend" as const;
  if (sort === `-${field.key}`) return "descend" as const;
  return null;
}

/** A pool's claim action the caller may run, with the field that is blank while a record is in the pool. */
interface Claim {
  action: ActionDef;
  ownerField: string;
}

/**
 * The claim of the entity's pool, when the caller's roles allow it: offered on
 * each ownerless row, so a rep works through the pool without opening every
 * lead. The server still checks everything (capacity, reclaim, the row's state).
 */
function poolClaim(definition: AppDefinition, entity: EntityDef, roles: string[], admin: boolean): Claim | undefined {
  const holds = (wanted: string[] | undefined) => admin || !wanted?.length || wanted.some((role) => roles.includes(role));
  for (const action of definition.actions ?? []) {
    if (action.entity !== entity.key || action.type !== "claim" || !holds(action.roles)) continue;
    const pool = definition.pools?.find((candidate) => candidate.key === action.pool);
    if (!pool || !holds(pool.claim?.roles)) continue;
    const ownerField = pool.owner_field ?? entity.owner_field ?? "owner";
    return { action, ownerField };
  }
  return undefined;
}

/** A table of the entity's records: the view's columns and records (the server applies its filter and order). */
interface TableProps {
  app: string;
  entity: EntityDef;
  view?: ViewDef;
  list: List;
  catalogue?: FilterCatalogue;
  refinement: Refinement;
  onRefine: (next: Refinement) => void;
  /** The `filter` of the list request (the URL's filters, ANDed). */
  filter?: string;
  /** The server refused the list: true when its filter and sort were dropped, so the list loads again. */
  onRefused: (error: Error) => boolean;
}

/** The column header's filter: one condition on that column's field, ANDed with the builder's. */
function ColumnFilter({
  catalogue,
  field,
  current,
  onApply,
  close,
}: {
  catalogue: FilterCatalogue;
  field: FieldDef;
  current?: Condition;
  onApply: (condition?: Condition) => void;
  close: () => void;
}) {
  const { t } = useI18n();
  const first = catalogue.kinds[filterKind(catalogue, field) ?? ""]?.[0] ?? "eq";
  const [draft, setDraft] = useState<Condition>(current ?? { field: field.key, op: first, value: "" });
  return (
    <Space direction="vertical" style={{ padding: 8 }} onKeyDown={(event) => event.stopPropagation()}>
      <ConditionEditor catalogue={catalogue} fields={[field]} condition={draft} onChange={setDraft} fixedField testId={`column-filter-${field.key}`} />
      <Space>
        <Button
          size="small"
          type="primary"
          data-testid={`column-filter-${field.key}-apply`}
          onClick={() => {
            onApply(isComplete(draft) ? draft : undefined);
            close();
          }}
        >
          {t("applyFilter")}
        </Button>
        <Button
          size="small"
          onClick={() => {
            onApply(undefined);
            close();
          }}
        >
          {t("clearFilter")}
        </Button>
      </Space>
    </Space>
  );
}

function RecordTable({ app, entity, view, list, catalogue, refinement, onRefine, filter, onRefused }: TableProps) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const { roles, admin } = useAppRoles();
  const { message } = AntApp.useApp();
  const [claiming, setClaiming] = useState<number>();
  const [selected, setSelected] = useState<number[]>([]);
  const [selecting, setSelecting] = useState(false);
  // One key per claim: clicking it again after a lost answer replays it.
  const [claims] = useState(() => new Submission());
  const query = { view: view?.key, sort: list.sort, q: list.q, filter };
  const { data, error, loading, reload } = useLoader(
    () => api.listRecords(app, entity.key, { ...query, page: list.page, page_size: list.pageSize }),
    [app, entity.key, view?.key, list.page, list.pageSize, list.sort, list.q, filter],
  );

  /** Every record matching the list (up to MAX_SELECTION), for a bulk change of all of them. */
  const selectAllMatching = async () => {
    setSelecting(true);
    try {
      const ids: number[] = [];
      for (let page = 1; ids.length < MAX_SELECTION; page += 1) {
        const answer = await api.listRecords(app, entity.key, { ...query, page, page_size: MAX_PAGE_SIZE, count: "false" });
        ids.push(...answer.items.map((record) => record.id));
        if (answer.items.length < MAX_PAGE_SIZE) break;
      }
      setSelected(ids.slice(0, MAX_SELECTION));
    } finally {
      setSelecting(false);
    }
  };

  // Without a sort of the user's the view's first key orders the rows: the header says so.
  const shownSort = list.sort ?? view?.sort?.[0];
  const chosen = refinement.columns?.length
    ? refinement.columns.flatMap((key) => entity.fields.filter((field) => field.key === key))
    : listColumns(entity, view);
  const visibleColumns = chosen.filter((field) => access.fields[field.key] !== "hidden");
  const setColumnFilter = (key: string, condition?: Condition) => {
    const columnFilters = { ...refinement.columnFilters };
    if (condition) columnFilters[key] = condition;
    else delete columnFilters[key];
    onRefine({ ...refinement, columnFilters });
  };
  const columns: ColumnsType<RecordData> = visibleColumns.map((field) => {
    const filterable = catalogue && filterKind(catalogue, field) !== undefined;
    return {
      key: field.key,
      dataIndex: field.key,
      title: label(field.label, field.key),
      sorter: isSortable(field),
      sortOrder: sortOrderOf(field, shownSort),
      render: (value: unknown, record: RecordData) =>
        cellValue(field, value, { t, label, definition, title: record._display?.[field.key] }),
      ...(filterable && catalogue
        ? {
            filtered: Boolean(refinement.columnFilters[field.key]),
            filterIcon: (filtered: boolean) => (
              <FilterFilled data-testid={`column-filter-${field.key}-open`} style={{ color: filtered ? "#1677ff" : undefined }} />
            ),
            filterDropdown: ({ close }: { close: () => void }) => (
              <ColumnFilter
                catalogue={catalogue}
                field={field}
                current={refinement.columnFilters[field.key]}
                onApply={(condition) => setColumnFilter(field.key, condition)}
                close={close}
              />
            ),
          }
        : {}),
    };
  });

  const phone = usePhone();
  const claim = poolClaim(definition, entity, roles, admin);
  const runClaim = async (record: RecordData) => {
    if (!claim) return;
    const name = label(claim.action.label, claim.action.key);
    setClaiming(record.id);
    try {
      await api.runAction(app, entity.key, record.id, claim.action.key, {}, claims.keyFor({ claim: record.id }));
      claims.succeeded();
      message.success(t("actionDone", { action: name }));
      reload();
    } catch (failure) {
      const detail = failure instanceof ApiError ? failure.message : String(failure);
      message.error(`${t("actionFailed", { action: name })}: ${detail}`);
      // Someone may have claimed it first: show the pool as it is now.
      reload();
    } finally {
      setClaiming(undefined);
    }
  };
  const claimButton = (record: RecordData) =>
    claim &&
    record[claim.ownerField] == null && (
      <Button
        size="small"
        data-testid={`row-claim-${record.id}`}
        loading={claiming === record.id}
        // The row opens the record on click: the button only claims.
        onClick={(event) => {
          event.stopPropagation();
          void runClaim(record);
        }}
      >
        {label(claim.action.label, claim.action.key)}
      </Button>
    );
  if (claim) {
    columns.push({ key: "_claim", fixed: "right", render: (_value: unknown, record: RecordData) => claimButton(record) });
  }
  // The record page comes back to this view and page when done.
  const openRecord = (record: RecordData) =>
    navigate(String(record.id), { state: { back: `${location.pathname}${location.search}` } });

  const onChange = (
    pagination: TablePaginationConfig,
    _filters: unknown,
    sorter: SorterResult<RecordData> | SorterResult<RecordData>[],
  ) => {
    const single = Array.isArray(sorter) ? sorter[0] : sorter;
    const key = typeof single?.columnKey === "string" && single.order ? single.columnKey : undefined;
    const sort = key && (single?.order === "descend" ? `-${key}` : key);
    const sameSort = sort === shownSort;
    list.update({
      page: sameSort ? (pagination.current ?? 1) : 1,
      pageSize: pagination.pageSize ?? DEFAULT_PAGE_SIZE,
      sort: sameSort ? list.sort : sort,
    });
  };

  // A link's filter or sort the server refuses: the list falls back to its view and says why.
  useEffect(() => {
    if (error) onRefused(error);
  }, [error]);
  if (error) return <LoadError error={error} />;
  const total = data?.total ?? 0;
  const pageIds = (data?.items ?? []).map((record) => record.id);
  const wholePageSelected = pageIds.length > 0 && pageIds.every((id) => selected.includes(id));
  return (
    <>
      {selected.length > 0 && (
        <Flex gap="small" align="center" wrap className="fw-gap">
          <BulkBar app={app} entity={entity} selected={selected} onClear={() => setSelected([])} onDone={reload} />
          {wholePageSelected && total > selected.length && selected.length < MAX_SELECTION && (
            <Button type="link" loading={selecting} data-testid="select-all-matching" onClick={() => void selectAllMatching()}>
              {total > MAX_SELECTION
                ? t("selectionCapped", { n: MAX_SELECTION })
                : t("selectAllMatching", { n: total })}
            </Button>
          )}
        </Flex>
      )}
    {phone ? (
      <CardList
        entity={entity}
        fields={visibleColumns}
        records={data?.items ?? []}
        loading={loading}
        selected={selected}
        onSelect={setSelected}
        onOpen={openRecord}
        extra={claim ? claimButton : undefined}
        sort={shownSort}
        onSort={(sort) => list.update({ sort, page: 1 })}
        page={list.page}
        pageSize={list.pageSize}
        total={total}
        onPage={(page, pageSize) => list.update({ page, pageSize })}
      />
    ) : (
    <Table<RecordData>
      data-testid="record-table"
      rowKey="id"
      size="middle"
      loading={loading}
      rowSelection={{
        selectedRowKeys: selected,
        preserveSelectedRowKeys: true,
        onChange: (keys) => setSelected(keys.map(Number)),
        getCheckboxProps: (record) => ({ "data-testid": `row-select-${record.id}` }) as object,
      }}
      columns={columns}
      dataSource={data?.items ?? []}
      scroll={{ x: "max-content" }}
      onChange={onChange}
      // No "unsorted" step: without a sort the list falls back to the view's default order anyway.
      sortDirections={["ascend", "descend", "ascend"]}
      onRow={(record) => ({ onClick: () => openRecord(record), className: "fw-clickable" })}
      pagination={{
        current: list.page,
        pageSize: list.pageSize,
        total: data?.total ?? 0,
        showSizeChanger: true,
        showTotal: (n) => t("total", { n }),
      }}
    />
    )}
    </>
  );
}

/** The view a page opens with: the one in the URL, else the first table view, else the plain list. */
function chosenView(views: ViewDef[], requested: string | undefined): ViewDef | undefined {
  return views.find((view) => view.key === requested) ?? views.find((view) => view.type === "table");
}

/** An entity's page: its views as tabs (the key in the URL), the chosen one below. */
function EntityPage({ app, entity }: { app: string; entity: EntityDef }) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const list = useListParams();
  const views = entityViews(definition, entity);
  const view = chosenView(views, list.view);
  // Bumped after an import, so the list below loads again with the new records.
  const [loaded, setLoaded] = useState(0);
  const catalogue = useLoader(() => listApi.filterCatalogue(), []).data ?? undefined;
  const filters = useListFilters(entity, catalogue, list);
  const { refinement } = filters;
  const newRecord = useNewInList(app, entity, filters.builderFilter);
  const filterFields = useMemo(
    () =>
      catalogue
        ? entity.fields.filter((field) => access.fields[field.key] !== "hidden" && filterKind(catalogue, field) !== undefined)
        : [],
    [catalogue, entity.fields, access.fields],
  );

  const tabs = [
    ...(views.length && !views.some((candidate) => candidate.type === "table")
      ? [{ key: PLAIN_LIST, label: <span data-testid="view-tab-all">{t("allRecords")}</span> }]
      : []),
    ...views.map((candidate) => ({
      key: candidate.key,
      label: <span data-testid={`view-tab-${candidate.key}`}>{label(candidate.label, candidate.key)}</span>,
    })),
  ];
  // Another view has other columns and order: start it on its first page in its own order.
  const switchTo = (key: string) => list.update({ view: key || undefined, page: 1, sort: undefined });

  return (
    <>
      <Flex justify="space-between" align="center" gap="middle" wrap className="fw-gap">
        <Typography.Title level={4} className="fw-flush" data-testid="entity-title">
          {label(entity.label, entity.key)}
        </Typography.Title>
        <Flex gap="small" className="fw-toolbar" wrap>
          {catalogue && view?.type !== "kanban" && (
            <FilterBuilder
              catalogue={catalogue}
              fields={filterFields}
              value={refinement.tree}
              onApply={(tree) => filters.refine({ ...refinement, tree })}
            />
          )}
          {view?.type !== "kanban" && (
            <SavedViewsMenu
              app={app}
              entity={entity.key}
              picked={list.saved}
              onPick={filters.pickSaved}
              onSaved={(saved) => list.update({ saved: saved.id })}
              current={filters.current}
            />
          )}
          <Input.Search
            allowClear
            placeholder={t("search")}
            defaultValue={list.q}
            // Back and forward change the search of the URL: the box shows it.
            key={list.q}
            className="fw-list-search"
            data-testid="record-search"
            onSearch={(q) => list.update({ q, page: 1 })}
          />
          <PhoneTools>
          <ExportMenu app={app} entity={entity.key} scope={{ view: view?.key, sort: list.sort, q: list.q, filter: filters.filter }} />
          {access.delete && (
            <Button icon={<DeleteOutlined />} data-testid="recycle-bin" onClick={() => navigate("deleted")}>
              {t("recycleBin")}
            </Button>
          )}
          {access.create && (
            <ImportDialog
              app={app}
              entity={entity.key}
              entityLabel={label(entity.label, entity.key)}
              onImported={() => setLoaded((n) => n + 1)}
            />
          )}
          </PhoneTools>
          {access.create && (
            <Button type="primary" icon={<PlusOutlined />} data-testid="new-record" onClick={() => void newRecord()}>
              {t("newRecord")}
            </Button>
          )}
        </Flex>
      </Flex>
      {tabs.length > 0 && (
        <Tabs
          className="fw-view-tabs"
          data-testid="view-tabs"
          aria-label={t("views")}
          activeKey={view?.key ?? PLAIN_LIST}
          items={tabs}
          onChange={switchTo}
        />
      )}
      {filters.notice && (
        <Alert type="warning" showIcon closable className="fw-gap" data-testid="list-notice" title={filters.notice} onClose={filters.closeNotice} />
      )}
      {view?.type !== "kanban" && (
        <FilterChips
          app={app}
          entity={entity}
          catalogue={catalogue}
          tree={refinement.tree}
          columnFilters={refinement.columnFilters}
          onRemoveCondition={(index) =>
            filters.refine({
              ...refinement,
              tree: { ...refinement.tree, items: index === undefined ? [] : refinement.tree.items.filter((_, i) => i !== index) },
            })
          }
          onRemoveColumn={(key) => {
            const columnFilters = { ...refinement.columnFilters };
            delete columnFilters[key];
            filters.refine({ ...refinement, columnFilters });
          }}
        />
      )}
      {view?.type === "kanban" ? (
        <KanbanBoard key={`${view.key}-${loaded}`} app={app} entity={entity} view={view} q={list.q} />
      ) : (
        <RecordTable
          key={loaded}
          app={app}
          entity={entity}
          view={view}
          list={list}
          catalogue={catalogue}
          refinement={refinement}
          onRefine={filters.refine}
          filter={filters.filter}
          onRefused={filters.refused}
        />
      )}
    </>
  );
}

export function EntityListPage() {
  const { app = "", entity: entityKey = "" } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  // Keyed by entity so that switching entities starts from a fresh search box and state.
  return entity ? <EntityPage key={entity.key} app={app} entity={entity} /> : <NotFound />;
}
