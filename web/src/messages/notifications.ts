/** UI texts of the bell and the notifications page. */
export const en = {
  notifications: "Notifications",
  notificationsUnread: "Notifications: {n} unread",
  markAllRead: "Mark all read",
  markedRead: "{n} marked read",
  noNotifications: "No notifications",
  allNotifications: "All notifications",
  unreadOnly: "Unread only",
} as const;

export const zhCN: Record<keyof typeof en, string> = {
  notifications: "通知",
  notificationsUnread: "通知：{n} 条未读",
  markAllRead: "全部标为已读",
  markedRead: "已将 {n} 条标为已读",
  noNotifications: "暂无通知",
  allNotifications: "查看全部通知",
  unreadOnly: "仅看未读",
};
