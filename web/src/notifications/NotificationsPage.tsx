import { App as AntApp, Button, Card, Flex, List, Pagination, Switch, Typography } from "antd";
import { useState } from "react";
import { messagingApi } from "../api/messaging";
import { LoadError } from "../components/LoadError";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { NotificationItem, useOpenNotification } from "./NotificationBell";
import { announceNotificationsChanged } from "./useUnreadCount";

const PAGE_SIZE = 20;

/** `/notifications`: all of the caller's notifications, newest first, page by page. */
export function NotificationsPage() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [page, setPage] = useState(1);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const { data, error, loading, reload } = useLoader(
    () => messagingApi.notifications({ page, page_size: PAGE_SIZE, unread_only: unreadOnly ? "true" : undefined }),
    [page, unreadOnly],
  );
  const open = useOpenNotification();
  const readAll = async () => {
    try {
      const { updated } = await messagingApi.markAllRead();
      message.success(t("markedRead", { n: updated }));
      announceNotificationsChanged();
      reload();
    } catch {
      message.error(t("saveFailed"));
    }
  };
  if (error) return <LoadError error={error} />;
  // Without a total, another page is there as long as this one is full.
  const total = data?.total ?? (page - 1) * PAGE_SIZE + (data?.items.length ?? 0) + (data?.items.length === PAGE_SIZE ? 1 : 0);
  return (
    <div className="fw-page">
      <Flex justify="space-between" align="center" wrap gap="middle" className="fw-gap">
        <Typography.Title level={3} className="fw-flush">
          {t("notifications")}
        </Typography.Title>
        <Flex gap="middle" align="center">
          <label>
            <Switch
              size="small"
              checked={unreadOnly}
              data-testid="notifications-unread-only"
              onChange={(next) => {
                setUnreadOnly(next);
                setPage(1);
              }}
            />{" "}
            {t("unreadOnly")}
          </label>
          <Button onClick={readAll} disabled={!data?.unread} data-testid="notifications-page-read-all">
            {t("markAllRead")} ({data?.unread ?? 0})
          </Button>
        </Flex>
      </Flex>
      <Card>
        <List
          loading={loading}
          dataSource={data?.items ?? []}
          locale={{ emptyText: t("noNotifications") }}
          renderItem={(item) => <NotificationItem item={item} onOpen={(chosen) => void open(chosen).then(reload)} />}
        />
        <Pagination
          className="fw-pagination"
          current={page}
          pageSize={PAGE_SIZE}
          total={total}
          showSizeChanger={false}
          onChange={setPage}
        />
      </Card>
    </div>
  );
}
