/** UI texts of the record page: its related lists and history. */
export const en = {
  recordEdit: "Edit",
  recordDetails: "Details",
  relatedLists: "Related",
  relatedNone: "Nothing linked yet",
  relatedViewAll: "View all ({n})",
  relatedNew: "New {entity}",
  history: "History",
  historyEmpty: "No history yet",
  historyBySystem: "System",
  historyEmptyValue: "(empty)",
  poolHidden: "Shown once claimed",
} as const;

export const zhCN: Record<keyof typeof en, string> = {
  recordEdit: "编辑",
  recordDetails: "详情",
  relatedLists: "相关记录",
  relatedNone: "暂无关联记录",
  relatedViewAll: "查看全部（{n}）",
  relatedNew: "新建{entity}",
  history: "操作记录",
  historyEmpty: "暂无记录",
  historyBySystem: "系统",
  historyEmptyValue: "（空）",
  poolHidden: "领取后可见",
};
