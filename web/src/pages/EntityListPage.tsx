import { PlusOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Flex, Input, Table, Tabs, Typography } from "antd";
import type { ColumnsType, SorterResult, TablePaginationConfig } from "antd/es/table/interface";
import { useLocation, useNavigate, useParams } from "react-router-dom";
import { useState } from "react";
import { api, ApiError } from "../api/client";
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
import { useI18n } from "../hooks/useI18n";

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
function RecordTable({ app, entity, view, list }: { app: string; entity: EntityDef; view?: ViewDef; list: List }) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const { roles, admin } = useAppRoles();
  const { message } = AntApp.useApp();
  const [claiming, setClaiming] = useState<number>();
  const { data, error, loading, reload } = useLoader(
    () =>
      api.listRecords(app, entity.key, {
        view: view?.key,
        page: list.page,
        page_size: list.pageSize,
        sort: list.sort,
        q: list.q,
      }),
    [app, entity.key, view?.key, list.page, list.pageSize, list.sort, list.q],
  );

  // Without a sort of the user's the view's first key orders the rows: the header says so.
  const shownSort = list.sort ?? view?.sort?.[0];
  const visibleColumns = listColumns(entity, view).filter((field) => access.fields[field.key] !== "hidden");
  const columns: ColumnsType<RecordData> = visibleColumns.map((field) => ({
    key: field.key,
    dataIndex: field.key,
    title: label(field.label, field.key),
    sorter: isSortable(field),
    sortOrder: sortOrderOf(field, shownSort),
    render: (value: unknown, record: RecordData) =>
      cellValue(field, value, { t, label, definition, title: record._display?.[field.key] }),
  }));

  const claim = poolClaim(definition, entity, roles, admin);
  const runClaim = async (record: RecordData) => {
    if (!claim) return;
    const name = label(claim.action.label, claim.action.key);
    setClaiming(record.id);
    try {
      await api.runAction(app, entity.key, record.id, claim.action.key, {});
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
  if (claim) {
    columns.push({
      key: "_claim",
      fixed: "right",
      render: (_value: unknown, record: RecordData) =>
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
        ),
    });
  }

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

  if (error) return <LoadError error={error} />;
  return (
    <Table<RecordData>
      data-testid="record-table"
      rowKey="id"
      size="middle"
      loading={loading}
      columns={columns}
      dataSource={data?.items ?? []}
      scroll={{ x: "max-content" }}
      onChange={onChange}
      // No "unsorted" step: without a sort the list falls back to the view's default order anyway.
      sortDirections={["ascend", "descend", "ascend"]}
      onRow={(record) => ({
        // The record page comes back to this view and page when done.
        onClick: () => navigate(String(record.id), { state: { back: `${location.pathname}${location.search}` } }),
        className: "fw-clickable",
      })}
      pagination={{
        current: list.page,
        pageSize: list.pageSize,
        total: data?.total ?? 0,
        showSizeChanger: true,
        showTotal: (total) => t("total", { n: total }),
      }}
    />
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
        <Flex gap="small" className="fw-toolbar">
          <Input.Search
            allowClear
            placeholder={t("search")}
            defaultValue={list.q}
            data-testid="record-search"
            onSearch={(q) => list.update({ q, page: 1 })}
          />
          <ExportMenu app={app} entity={entity.key} scope={{ view: view?.key, sort: list.sort, q: list.q }} />
          {access.create && (
            <ImportDialog
              app={app}
              entity={entity.key}
              entityLabel={label(entity.label, entity.key)}
              onImported={() => setLoaded((n) => n + 1)}
            />
          )}
          {access.create && (
            <Button type="primary" icon={<PlusOutlined />} data-testid="new-record" onClick={() => navigate("new")}>
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
      {view?.type === "kanban" ? (
        <KanbanBoard key={`${view.key}-${loaded}`} app={app} entity={entity} view={view} q={list.q} />
      ) : (
        <RecordTable key={loaded} app={app} entity={entity} view={view} list={list} />
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
