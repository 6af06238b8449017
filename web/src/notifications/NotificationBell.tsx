import { BellOutlined } from "@ant-design/icons";
import { App as AntApp, Badge, Button, Empty, Flex, List, Popover, Spin, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { messagingApi, type Notification } from "../api/messaging";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { usePhone } from "../hooks/usePhone";
import { notificationTarget } from "./recordLink";
import { announceNotificationsChanged, useUnreadCount } from "./useUnreadCount";

/** How many of the newest notifications the bell's list shows; the page has them all. */
const NEWEST = 8;

/** One notification in a list: title, body, time; unread ones in bold. */
export function NotificationItem({ item, onOpen }: { item: Notification; onOpen: (item: Notification) => void }) {
  return (
    <List.Item
      className="fw-clickable fw-notification"
      data-testid={`notification-${item.id}`}
      data-unread={item.read_at ? undefined : "true"}
      onClick={() => onOpen(item)}
    >
      <List.Item.Meta
        title={<Typography.Text strong={!item.read_at}>{item.title}</Typography.Text>}
        description={
          <>
            {item.body && <div className="fw-multiline">{item.body}</div>}
            <Typography.Text type="secondary">{dayjs(item.created_at).format("YYYY-MM-DD HH:mm")}</Typography.Text>
          </>
        }
      />
    </List.Item>
  );
}

/** Marks a notification read and opens its record: what clicking one does, in the bell and on the page. */
export function useOpenNotification(after?: () => void) {
  const navigate = useNavigate();
  return async (item: Notification) => {
    if (!item.read_at) {
      await messagingApi.markRead(item.id).catch(() => undefined);
      announceNotificationsChanged();
    }
    after?.();
    const target = notificationTarget(item);
    if (target) navigate(target);
  };
}

function NewestList({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { data, error, reload } = useLoader(() => messagingApi.notifications({ page: 1, page_size: NEWEST }), []);
  const items = error ? [] : (data?.items ?? null);
  const open = useOpenNotification(onClose);
  const readAll = async () => {
    try {
      await messagingApi.markAllRead();
      announceNotificationsChanged();
      reload();
    } catch {
      message.error(t("loadFailed"));
    }
  };
  return (
    <div className="fw-bell-list" data-testid="notification-list">
      <Flex justify="space-between" align="center">
        <Typography.Text strong>{t("notifications")}</Typography.Text>
        <Button size="small" type="link" data-testid="notifications-read-all" onClick={readAll}>
          {t("markAllRead")}
        </Button>
      </Flex>
      {items === null ? (
        <Spin className="fw-center" />
      ) : items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("noNotifications")} />
      ) : (
        <List size="small" dataSource={items} renderItem={(item) => <NotificationItem item={item} onOpen={open} />} />
      )}
      <Link to="/notifications" onClick={onClose} data-testid="notifications-all">
        {t("allNotifications")}
      </Link>
    </div>
  );
}

/**
 * The header's bell: the unread count (polled), and on click the newest notifications.
 * On a phone it opens the notifications page: a pop-over hung from the bell near the
 * screen's right edge ran off its left one.
 */
export function NotificationBell() {
  const { t } = useI18n();
  const { unread } = useUnreadCount();
  const [open, setOpen] = useState(false);
  const phone = usePhone();
  const navigate = useNavigate();
  const bell = (
    <Button
      type="text"
      data-testid="notification-bell"
      data-unread={unread}
      aria-label={t("notificationsUnread", { n: unread })}
      title={t("notificationsUnread", { n: unread })}
      onClick={phone ? () => navigate("/notifications") : undefined}
      icon={
        <Badge count={unread} size="small" overflowCount={99}>
          <BellOutlined className="fw-bell-icon" />
        </Badge>
      }
    />
  );
  if (phone) return bell;
  return (
    <Popover
      trigger="click"
      placement="bottomRight"
      open={open}
      onOpenChange={setOpen}
      destroyOnHidden
      content={<NewestList onClose={() => setOpen(false)} />}
    >
      {bell}
    </Popover>
  );
}
