import { PlusOutlined } from "@ant-design/icons";
import { Button, Flex, Input, Table, Typography } from "antd";
import type { ColumnsType, SorterResult, TablePaginationConfig } from "antd/es/table/interface";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { EntityDef, FieldDef, RecordData } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import { defaultSort, findEntity, isSortable, listColumns } from "../definition";
import { cellValue } from "../fields/registry";
import { useAppDefinition, useEntityAccess } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";
import { useI18n } from "../hooks/useI18n";

const DEFAULT_PAGE_SIZE = 20;

/** List state lives in the URL (page, page_size, sort, q), so back and reload keep it. */
function useListParams(fallbackSort: string | undefined) {
  const [params, setParams] = useSearchParams();
  const state = {
    page: Number(params.get("page")) || 1,
    pageSize: Number(params.get("page_size")) || DEFAULT_PAGE_SIZE,
    sort: params.get("sort") ?? fallbackSort,
    q: params.get("q") ?? "",
  };
  const update = (changes: Partial<typeof state>) => {
    const next = { ...state, ...changes };
    const query: Record<string, string> = { page: String(next.page), page_size: String(next.pageSize) };
    if (next.sort) query.sort = next.sort;
    if (next.q) query.q = next.q;
    setParams(query);
  };
  return { ...state, update };
}

function sortOrderOf(field: FieldDef, sort: string | undefined) {
  if (sort === field.key) return "ascend" as const;
  if (sort === `-${field.key}`) return "descend" as const;
  return null;
}

function EntityTable({ app, entity }: { app: string; entity: EntityDef }) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const list = useListParams(defaultSort(definition, entity));
  const { data, error, loading } = useLoader(
    () => api.listRecords(app, entity.key, { page: list.page, page_size: list.pageSize, sort: list.sort, q: list.q }),
    [app, entity.key, list.page, list.pageSize, list.sort, list.q],
  );

  const visibleColumns = listColumns(definition, entity).filter((field) => access.fields[field.key] !== "hidden");
  const columns: ColumnsType<RecordData> = visibleColumns.map((field) => ({
    key: field.key,
    dataIndex: field.key,
    title: label(field.label, field.key),
    sorter: isSortable(field),
    sortOrder: sortOrderOf(field, list.sort),
    render: (value: unknown, record: RecordData) =>
      cellValue(field, value, { t, label, definition, title: record._display?.[field.key] }),
  }));

  const onChange = (
    pagination: TablePaginationConfig,
    _filters: unknown,
    sorter: SorterResult<RecordData> | SorterResult<RecordData>[],
  ) => {
    const single = Array.isArray(sorter) ? sorter[0] : sorter;
    const key = typeof single?.columnKey === "string" && single.order ? single.columnKey : undefined;
    const sort = key && (single?.order === "descend" ? `-${key}` : key);
    list.update({
      page: sort === list.sort ? (pagination.current ?? 1) : 1,
      pageSize: pagination.pageSize ?? DEFAULT_PAGE_SIZE,
      sort,
    });
  };

  return (
    <>
      <Flex justify="space-between" align="center" gap="middle" wrap className="fw-gap">
        <Typography.Title level={4} className="fw-flush" data-testid="entity-title">
          {label(entity.label, entity.key)}
        </Typography.Title>
        <Flex gap="small">
          <Input.Search
            allowClear
            placeholder={t("search")}
            defaultValue={list.q}
            data-testid="record-search"
            onSearch={(q) => list.update({ q, page: 1 })}
          />
          {access.create && (
            <Button type="primary" icon={<PlusOutlined />} data-testid="new-record" onClick={() => navigate("new")}>
              {t("newRecord")}
            </Button>
          )}
        </Flex>
      </Flex>
      {error ? (
        <LoadError error={error} />
      ) : (
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
          onRow={(record) => ({ onClick: () => navigate(String(record.id)), className: "fw-clickable" })}
          pagination={{
            current: list.page,
            pageSize: list.pageSize,
            total: data?.total ?? 0,
            showSizeChanger: true,
            showTotal: (total) => t("total", { n: total }),
          }}
        />
      )}
    </>
  );
}

export function EntityListPage() {
  const { app = "", entity: entityKey = "" } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  // Keyed by entity so that switching entities starts from a fresh search box and state.
  return entity ? <EntityTable key={entity.key} app={app} entity={entity} /> : <NotFound />;
}
