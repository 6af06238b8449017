import { ArrowLeftOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Flex, Popconfirm, Space, Table, Typography } from "antd";
import type { ColumnsType } from "antd/es/table/interface";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../api/client";
import type { EntityDef, FieldDef, RecordData } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import { findEntity, listColumns } from "../definition";
import { cellValue } from "../fields/registry";
import { useUsers } from "../fields/user";
import { useAppDefinition, useAppRoles, useEntityAccess } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { listApi } from "../list/api";

const PAGE_SIZE = 20;
/** The bin's own columns, shown as fields of their kind. */
const DELETED_AT: FieldDef = { key: "deleted_at", type: "datetime" };
const DELETED_BY: FieldDef = { key: "deleted_by", type: "user" };

/** The entity's recycle bin: deleted records, newest deletion first, with restore (and purge for admins). */
function RecycleBin({ app, entity }: { app: string; entity: EntityDef }) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { admin } = useAppRoles();
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const [busy, setBusy] = useState<number>();
  const { data, error, loading, reload } = useLoader(
    () => listApi.deleted(app, entity.key, page, PAGE_SIZE),
    [app, entity.key, page],
  );

  const act = async (id: number, call: () => Promise<unknown>, done: string) => {
    setBusy(id);
    try {
      await call();
      message.success(done);
      reload();
    } catch (failure) {
      message.error(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(undefined);
    }
  };

  const { users } = useUsers();
  const nameOf = (id: unknown) => {
    const user = users.find((candidate) => candidate.id === id);
    return user ? user.display_name || user.username : undefined;
  };
  const fields = listColumns(entity).filter((field) => access.fields[field.key] !== "hidden");
  const columns: ColumnsType<RecordData> = [
    ...fields.map((field) => ({
      key: field.key,
      dataIndex: field.key,
      title: label(field.label, field.key),
      render: (value: unknown, record: RecordData) =>
        cellValue(field, value, { t, label, definition, title: record._display?.[field.key] }),
    })),
    {
      key: "deleted_at",
      dataIndex: "deleted_at",
      title: t("deletedAt"),
      // As every date-time of the app reads, not the browser's own format.
      render: (value: unknown) => cellValue(DELETED_AT, value, { t, label, definition }),
    },
    {
      key: "deleted_by",
      title: t("deletedBy"),
      // By name: the record names only the user's id.
      render: (_: unknown, record: RecordData) =>
        cellValue(DELETED_BY, record.deleted_by, {
          t,
          label,
          definition,
          title: record._display?.deleted_by ?? nameOf(record.deleted_by),
        }),
    },
    {
      key: "_actions",
      fixed: "right",
      render: (_: unknown, record: RecordData) => (
        <Space>
          <Button
            size="small"
            data-testid={`restore-${record.id}`}
            loading={busy === record.id}
            onClick={() => void act(record.id, () => listApi.restore(app, entity.key, record.id), t("restored"))}
          >
            {t("restore")}
          </Button>
          {admin && (
            <Popconfirm
              title={t("purgeConfirm")}
              onConfirm={() => act(record.id, () => listApi.purge(app, entity.key, record.id), t("purged"))}
            >
              <Button size="small" danger data-testid={`purge-${record.id}`}>
                {t("purge")}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} />;
  return (
    <>
      <Flex align="center" gap="middle" className="fw-gap">
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate("..", { relative: "path" })} aria-label={t("backToList")} />
        <Typography.Title level={4} className="fw-flush" data-testid="recycle-bin-title">
          {label(entity.label, entity.key)} · {t("recycleBin")}
        </Typography.Title>
      </Flex>
      <Table<RecordData>
        data-testid="recycle-bin-table"
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("emptyBin") }}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: data?.total ?? 0,
          onChange: setPage,
          showTotal: (n) => t("total", { n }),
        }}
      />
    </>
  );
}

export function RecycleBinPage() {
  const { app = "", entity: entityKey = "" } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  return entity ? <RecycleBin key={entity.key} app={app} entity={entity} /> : <NotFound />;
}
