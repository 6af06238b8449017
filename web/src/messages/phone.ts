/** UI texts of the phone layout: card lists, bottom bars, the kanban's stage strip. */
export const en = {
  moreActions: "More",
  moreTools: "More tools",
  selectPage: "Select this page",
  sortBy: "Sort by",
  sortUp: "{field} ↑",
  sortDown: "{field} ↓",
  stages: "Stages",
} as const;

export const zhCN: Record<keyof typeof en, string> = {
  moreActions: "更多",
  moreTools: "更多工具",
  selectPage: "选择本页",
  sortBy: "排序",
  sortUp: "{field} ↑",
  sortDown: "{field} ↓",
  stages: "阶段",
};
