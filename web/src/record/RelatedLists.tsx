/**
 * The records linking to this one, one tab per link (contacts, opportunities,
 * follow-ups… of a customer), each with its count, its first rows, "view all"
 * and "new" pre-linked to the record. One list request per related list: it
 * answers the rows and the count together.
 */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Card, Empty, Flex, Table, Tabs } from "antd";
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
import { newRecordPath, recordPath } from "./paths";
import { prelinked, relatedColumns, type RelatedList } from "./related";

const FIRST_ROWS = 5;
const ALL_ROWS = 20;

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
  const [page, setPage] = useState(1);
  const [all, setAll] = useState(false);
  const pageSize = all ? ALL_ROWS : FIRST_ROWS;
  const { data, error, loading } = useLoader(async () => {
    const answer = await api.listRecords(app, list.entity.key, {
      [list.via.key]: record.id,
      page: all ? page : 1,
      page_size: pageSize,
      sort: "-created_at",
    });
    onCount(answer.total);
    return answer;
  }, [app, list.key, record.id, record.version, page, all]);
  if (error) return <LoadError error={error} />;
  const columns: ColumnsType<RecordData> = relatedColumns(definition, list).map((field) => ({
    key: field.key,
    dataIndex: field.key,
    title: label(field.label, field.key),
    render: (value: unknown, row: RecordData) =>
      cellValue(field, value, { t, label, definition, title: row._display?.[field.key] }),
  }));
  const total = data?.total ?? 0;
  return (
    <>
      <Table<RecordData>
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        data-testid={`related-table-${list.key}`}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("relatedNone")} /> }}
        scroll={{ x: "max-content" }}
        pagination={all && total > ALL_ROWS ? { current: page, pageSize, total, onChange: setPage } : false}
        onRow={(row) => ({ onClick: () => navigate(recordPath(app, list.entity.key, row.id)), className: "fw-clickable" })}
      />
      {total > FIRST_ROWS && (
        <Button type="link" data-testid={`related-all-${list.key}`} onClick={() => { setAll(!all); setPage(1); }}>
          {all ? t("relatedFewer") : t("relatedViewAll", { n: total })}
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
