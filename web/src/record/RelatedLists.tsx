/**
 * The records linking to this one, one tab per link (contacts, opportunities,
 * follow-ups… of a customer), each with its count, its first rows, "view all"
 * (the entity's own list, filtered to the record) and "new" pre-linked to the
 * record. One list request per related list: it answers the rows and the
 * count together.
 */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Card, Empty, Flex, Table, Tabs, Typography } from "antd";
import type { ColumnsType } from "antd/es/table/interface";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { EntityDef, RecordData } from "../api/types";
import { LoadError } from "../components/LoadError";
import { cellValue } from "../fields/registry";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { usePhone } from "../hooks/usePhone";
import { newRecordPath, recordPath } from "./paths";
import { prelinked, relatedColumns, relatedListPath, type RelatedList } from "./related";

const FIRST_ROWS = 5;

interface Props {
  app: string;
  host: EntityDef;
  record: RecordData;
  lists: RelatedList[];
}

/** Opens the new-record form of `list`, pre-linked to `record`; back to the record page once saved. */
export function useNewRelated(app: string, host: EntityDef, record: RecordData) {
  const definition = useAppDefinition();
  const navigate = useNavigate();
  return (list: RelatedList) => {
    const { values, titles } = prelinked(definition, list, host, record);
    navigate(newRecordPath(app, list.entity.key, values), {
      state: { back: recordPath(app, host.key, record.id), titles },
    });
  };
}

function RelatedTable({ app, list, record, onCount }: { app: string; list: RelatedList; record: RecordData; onCount: (n: number) => void }) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const phone = usePhone();
  const { data, error, loading } = useLoader(async () => {
    const answer = await api.listRecords(app, list.entity.key, {
      [list.via.key]: record.id,
      page: 1,
      page_size: FIRST_ROWS,
      sort: "-created_at",
    });
    onCount(answer.total);
    return answer;
  }, [app, list.key, record.id, record.version]);
  if (error) return <LoadError error={error} />;
  const columns: ColumnsType<RecordData> = relatedColumns(definition, list).map((field) => ({
    key: field.key,
    dataIndex: field.key,
    title: label(field.label, field.key),
    render: (value: unknown, row: RecordData) =>
      cellValue(field, value, { t, label, definition, title: row._display?.[field.key] }),
  }));
  const total = data?.total ?? 0;
  const rows = data?.items ?? [];
  const open = (row: RecordData) => navigate(recordPath(app, list.entity.key, row.id));
  // On a phone the rows are cards (the list page's form): a table would scroll sideways.
  const fields = relatedColumns(definition, list);
  const cards = (
    <Flex vertical gap="small" data-testid={`related-table-${list.key}`}>
      {!loading && !rows.length && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("relatedNone")} />}
      {rows.map((row) => (
        <div
          key={row.id}
          className="fw-list-card"
          role="button"
          tabIndex={0}
          data-row-key={row.id}
          onClick={() => open(row)}
          onKeyDown={(event) => {
            if (event.key === "Enter") open(row);
          }}
        >
          {fields.map((field, index) => {
            const value = cellValue(field, row[field.key], { t, label, definition, title: row._display?.[field.key] });
            if (value === "") return null;
            return index === 0 ? (
              <Typography.Text strong key={field.key} className="fw-list-card-title">
                {value}
              </Typography.Text>
            ) : (
              <div key={field.key} className="fw-card-field">
                <Typography.Text type="secondary">{label(field.label, field.key)}</Typography.Text>
                <span>{value}</span>
              </div>
            );
          })}
        </div>
      ))}
    </Flex>
  );
  return (
    <>
      {phone ? cards : <Table<RecordData>
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={rows}
        data-testid={`related-table-${list.key}`}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("relatedNone")} /> }}
        scroll={{ x: "max-content" }}
        pagination={false}
        onRow={(row) => ({ onClick: () => open(row), className: "fw-clickable" })}
      />}
      {total > 0 && (
        // The entity's own list, with its filters, sorting and bulk work, filtered to this record.
        <Button type="link" data-testid={`related-all-${list.key}`} onClick={() => navigate(relatedListPath(app, list, record))}>
          {t("relatedViewAll", { n: total })}
        </Button>
      )}
    </>
  );
}

export function RelatedLists({ app, host, record, lists }: Props) {
  const { t, label } = useI18n();
  const newRelated = useNewRelated(app, host, record);
  const [counts, setCounts] = useState<Record<string, number>>({});
  if (!lists.length) return null;
  const title = (list: RelatedList) => {
    const name = label(list.entity.label, list.entity.key);
    const named = list.ambiguous ? `${name} (${label(list.via.label, list.via.key)})` : name;
    const count = counts[list.key];
    return (
      <span data-testid={`related-tab-${list.key}`}>
        {named}
        {count === undefined ? "" : ` ${count}`}
      </span>
    );
  };
  return (
    <Card size="small" title={t("relatedLists")} className="fw-gap" data-testid="related-lists">
      <Tabs
        items={lists.map((list) => ({
          key: list.key,
          label: title(list),
          forceRender: true,
          children: (
            <>
              {list.canCreate && (
                <Flex justify="end">
                  <Button
                    size="small"
                    icon={<PlusOutlined />}
                    data-testid={`related-new-${list.key}`}
                    onClick={() => newRelated(list)}
                  >
                    {t("relatedNew", { entity: label(list.entity.label, list.entity.key) })}
                  </Button>
                </Flex>
              )}
              <RelatedTable
                app={app}
                list={list}
                record={record}
                onCount={(n) => setCounts((known) => (known[list.key] === n ? known : { ...known, [list.key]: n }))}
              />
            </>
          ),
        }))}
      />
    </Card>
  );
}
