import { ReloadOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Descriptions, Drawer, Flex, Select, Spin, Table, Tag, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import dayjs from "dayjs";
import { useState } from "react";
import { ApiError } from "../api/client";
import { messagingApi, type Delivery, type DeliveryAttempt } from "../api/messaging";
import { LoadError } from "../components/LoadError";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";

const PAGE_SIZE = 20;
/** A delivery's life (issue 10): the statuses the server gives them. */
const STATUSES = ["queued", "retrying", "sent", "failed"] as const;
const STATUS_COLORS: Record<string, string> = { queued: "default", retrying: "orange", sent: "green", failed: "red" };

const when = (at: string | null | undefined) => (at ? dayjs(at).format("YYYY-MM-DD HH:mm:ss") : "—");

export function StatusTag({ status }: { status: string }) {
  return <Tag color={STATUS_COLORS[status] ?? "default"}>{status}</Tag>;
}

/** The message as rendered: an email's subject and body, else every rendered part. */
function Rendered({ rendered }: { rendered: Record<string, unknown> | null | undefined }) {
  const { t } = useI18n();
  if (!rendered) return <Typography.Text type="secondary">—</Typography.Text>;
  const { subject, body, ...rest } = rendered;
  return (
    <Flex vertical gap="small" data-testid="delivery-rendered">
      {subject !== undefined && (
        <div>
          <Typography.Text type="secondary">{t("subject")}: </Typography.Text>
          <Typography.Text strong data-testid="delivery-subject">
            {String(subject)}
          </Typography.Text>
        </div>
      )}
      {body !== undefined && (
        // As text: a mail body is never injected into the admin's page.
        <pre className="fw-pre" data-testid="delivery-body">
          {typeof body === "string" ? body : JSON.stringify(body, null, 2)}
        </pre>
      )}
      {Object.keys(rest).length > 0 && <pre className="fw-pre">{JSON.stringify(rest, null, 2)}</pre>}
    </Flex>
  );
}

function DeliveryDrawer({ id, onClose, onRetried }: { id: number; onClose: () => void; onRetried: () => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { data, error, reload } = useLoader(() => messagingApi.delivery(id), [id]);
  const [retrying, setRetrying] = useState(false);
  const retry = async () => {
    setRetrying(true);
    try {
      await messagingApi.retryDelivery(id);
      message.success(t("retryQueued"));
      reload();
      onRetried();
    } catch (failure) {
      message.error(failure instanceof ApiError ? failure.message : t("saveFailed"));
    } finally {
      setRetrying(false);
    }
  };
  const attempts: ColumnsType<DeliveryAttempt> = [
    { key: "at", title: t("time"), render: (_, attempt) => when(attempt.at) },
    { key: "outcome", title: t("outcome"), dataIndex: "outcome" },
    { key: "status_code", title: t("statusCode"), dataIndex: "status_code" },
    { key: "error", title: t("error"), dataIndex: "error" },
  ];
  return (
    <Drawer open size={640} onClose={onClose} title={`${t("delivery")} #${id}`} data-testid="delivery-drawer">
      {error ? (
        <LoadError error={error} />
      ) : !data ? (
        <Spin className="fw-center" />
      ) : (
        <Flex vertical gap="large">
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t("channel")}>{data.channel}</Descriptions.Item>
            <Descriptions.Item label={t("status")}>
              <StatusTag status={data.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t("recipient")}>{data.recipient ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("source")}>{data.source ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("createdAt")}>{when(data.created_at)}</Descriptions.Item>
            <Descriptions.Item label={t("sentAt")}>{when(data.sent_at)}</Descriptions.Item>
            {data.last_error && <Descriptions.Item label={t("error")}>{data.last_error}</Descriptions.Item>}
          </Descriptions>
          {data.status === "failed" && (
            <Button type="primary" loading={retrying} onClick={retry} data-testid="delivery-retry">
              {t("retry")}
            </Button>
          )}
          <div>
            <Typography.Title level={5}>{t("renderedMessage")}</Typography.Title>
            <Rendered rendered={data.rendered} />
          </div>
          <div>
            <Typography.Title level={5}>{t("attemptLog")}</Typography.Title>
            <Table<DeliveryAttempt>
              size="small"
              rowKey={(attempt) => `${attempt.at}-${attempt.outcome}`}
              columns={attempts}
              dataSource={data.attempt_log ?? []}
              pagination={false}
            />
          </div>
        </Flex>
      )}
    </Drawer>
  );
}

/** `/admin/deliveries`: every outbound message, filtered by status and channel, each openable. */
export function DeliveriesPage() {
  const { t, label } = useI18n();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<string>();
  const [channel, setChannel] = useState<string>();
  const [open, setOpen] = useState<number>();
  const { data, error, loading, reload } = useLoader(
    () => messagingApi.deliveries({ page, page_size: PAGE_SIZE, status, channel }),
    [page, status, channel],
  );
  // The channel filter offers the channels the server has, never a list of our own.
  const { data: channels } = useLoader(() => messagingApi.channels().catch(() => []), []);
  const columns: ColumnsType<Delivery> = [
    { key: "id", title: "#", dataIndex: "id" },
    { key: "created_at", title: t("createdAt"), render: (_, item) => when(item.created_at) },
    { key: "channel", title: t("channel"), dataIndex: "channel" },
    { key: "status", title: t("status"), render: (_, item) => <StatusTag status={item.status} /> },
    { key: "recipient", title: t("recipient"), dataIndex: "recipient" },
    { key: "source", title: t("source"), dataIndex: "source" },
    { key: "attempts", title: t("attempts"), dataIndex: "attempts" },
    { key: "last_error", title: t("error"), dataIndex: "last_error", ellipsis: true },
  ];
  if (error) return <LoadError error={error} />;
  const items = data?.items ?? [];
  const total = data?.total ?? (page - 1) * PAGE_SIZE + items.length + (items.length === PAGE_SIZE ? 1 : 0);
  return (
    <div className="fw-page">
      <Flex justify="space-between" align="center" wrap gap="middle" className="fw-gap">
        <Typography.Title level={3} className="fw-flush">
          {t("deliveries")}
        </Typography.Title>
        <Flex gap="small" wrap>
          <Select
            allowClear
            className="fw-filter"
            placeholder={t("status")}
            data-testid="delivery-status-filter"
            value={status}
            onChange={(next) => {
              setStatus(next);
              setPage(1);
            }}
            options={STATUSES.map((value) => ({ value, label: value }))}
          />
          <Select
            allowClear
            className="fw-filter"
            placeholder={t("channel")}
            data-testid="delivery-channel-filter"
            value={channel}
            onChange={(next) => {
              setChannel(next);
              setPage(1);
            }}
            options={(channels ?? []).map((item) => ({ value: item.key, label: label(item.label, item.key) }))}
          />
          <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t("reload")} title={t("reload")} />
        </Flex>
      </Flex>
      <Table<Delivery>
        data-testid="delivery-table"
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={items}
        scroll={{ x: "max-content" }}
        onRow={(item) => ({ onClick: () => setOpen(item.id), className: "fw-clickable" })}
        pagination={{ current: page, pageSize: PAGE_SIZE, total, showSizeChanger: false, onChange: setPage }}
      />
      {open !== undefined && <DeliveryDrawer id={open} onClose={() => setOpen(undefined)} onRetried={reload} />}
    </div>
  );
}
