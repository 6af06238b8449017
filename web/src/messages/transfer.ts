/** UI texts of spreadsheet export and import: columns, modes, the dry-run report, the template. */
export const en = {
  exportViewColumns: "Columns of this view",
  exportImportable: "All importable fields (to edit and import back)",
  importMode: "Rows",
  importModeInsert: "Create a record for every row",
  importModeUpdate: "Update the records the rows name",
  importModeUpsert: "Update the records the rows name, create the others",
  importMatchBy: "Match rows by",
  importMatchById: "ID only",
  importTemplate: "Download the import template",
  importUpsertHint:
    "Rows are matched by their ID column (as exported), else by the chosen unique field. Rows whose values are unchanged are left alone. If any row has a problem, nothing is imported.",
  importReport: "Created {created} · Updated {updated} · Unchanged {unchanged} · Failed {failed}",
  importDoneReport: "Imported: {created} created, {updated} updated, {unchanged} unchanged",
  importStatus: "Result",
  importStatusCreated: "Created",
  importStatusUpdated: "Updated",
  importStatusUnchanged: "Unchanged",
  importStatusFailed: "Failed",
  importChanged: "Changes",
} as const;

export const zhCN: Record<keyof typeof en, string> = {
  exportViewColumns: "当前视图的列",
  exportImportable: "全部可导入字段（可修改后导回）",
  importMode: "导入方式",
  importModeInsert: "每一行新建一条记录",
  importModeUpdate: "只更新行所指的记录",
  importModeUpsert: "更新行所指的记录，其余新建",
  importMatchBy: "匹配依据",
  importMatchById: "仅按 ID",
  importTemplate: "下载导入模板",
  importUpsertHint:
    "按 ID 列（与导出一致）匹配记录，没有 ID 时按所选的唯一字段匹配。值未变的行不会改动。任何一行有问题，整个文件都不会导入。",
  importReport: "新建 {created} · 更新 {updated} · 未变 {unchanged} · 失败 {failed}",
  importDoneReport: "导入完成：新建 {created} 条，更新 {updated} 条，未变 {unchanged} 条",
  importStatus: "结果",
  importStatusCreated: "新建",
  importStatusUpdated: "更新",
  importStatusUnchanged: "未变",
  importStatusFailed: "失败",
  importChanged: "变更字段",
};
