/**
 * UI strings in zh-CN and en, the current language (persisted in
 * localStorage, default zh-CN) and `pickLabel()` for definition texts.
 * React components reach these through `useI18n()`.
 */
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import type { Label } from "./api/types";
import * as adminMessages from "./messages/admin";
import * as designMessages from "./messages/design";
import * as listMessages from "./messages/lists";
import * as notificationMessages from "./messages/notifications";
import * as phoneMessages from "./messages/phone";
import * as recordMessages from "./messages/record";
import * as transferMessages from "./messages/transfer";

export const LANGS = ["zh-CN", "en"] as const;
export type Lang = (typeof LANGS)[number];

const LANG_KEY = "formwork.lang";

const en = {
  appTitle: "Formwork",
  language: "Language",
  logout: "Log out",
  loginTitle: "Sign in",
  tenant: "Tenant",
  username: "Username",
  password: "Password",
  login: "Sign in",
  loginFailed: "Sign-in failed",
  pleaseEnter: "Please enter {field}",
  apps: "Apps",
  noApps: "No apps installed yet",
  entities: "entities",
  newRecord: "New",
  editRecord: "Edit",
  viewRecord: "View",
  search: "Search",
  total: "Total {n}",
  save: "Save",
  cancel: "Cancel",
  saved: "Saved",
  saveFailed: "Could not save",
  loadFailed: "Could not load",
  fixErrors: "Please correct the highlighted fields",
  recordChanged: "Someone else changed this record; it has been reloaded. Please apply your edits again.",
  notFound: "Not found",
  addRow: "Add row",
  deleteRow: "Delete",
  upload: "Upload",
  province: "Province",
  city: "City",
  district: "District",
  detail: "Detail address",
  yes: "Yes",
  no: "No",
  rows: "{n} rows",
  rowN: "Row {n}",
  back: "Back",
  bold: "Bold",
  italic: "Italic",
  underline: "Underline",
  bulletList: "Bulleted list",
  numberedList: "Numbered list",
  latitude: "Latitude",
  longitude: "Longitude",
  locate: "Use my location",
  locateFailed: "Could not get your location",
  signature: "Signature",
  signHere: "Sign here",
  clear: "Clear",
  allRecords: "All records",
  views: "Views",
  moveTo: "Move to…",
  movedTo: "Moved to {column}",
  moveFailed: "Could not move the card",
  moveRefused: "Cannot move it to {column} yet",
  cardChanged: "Someone else changed this card meanwhile; the board has been reloaded.",
  openRecord: "Open the record",
  noRecords: "No records",
  loadMore: "Load more",
  actions: "Actions",
  actionDone: "{action}: done",
  actionFailed: "{action} failed",
  createStep: "Create {entity}",
  stepFromRecord: "Filled in from this record",
  stepLeftOut: "Left out",
  createdRecord: "{entity} created",
  reusedRecord: "Linked to the existing {entity}",
  open: "Open",
  exportRecords: "Export",
  exportExcel: "Excel (.xlsx)",
  exportCsv: "CSV (.csv)",
  exportFailed: "Could not export",
  importRecords: "Import",
  importTitle: "Import {entity} from Excel or CSV",
  importHint: "The first row holds the column headers: field names as exported. Every row becomes a new record; if any row has a problem, nothing is imported.",
  importPick: "Choose a file",
  importCheck: "Check",
  importRun: "Import",
  importReady: "{n} rows ready to import",
  importProblems: "{n} problems: nothing was imported",
  importDone: "{n} records imported",
  importFailed: "Could not import",
  importRow: "Row",
  importColumn: "Column",
  importMessage: "Problem",
  // Areas keep their texts in messages/, one module each.
  ...notificationMessages.en,
  ...recordMessages.en,
  ...listMessages.en,
  ...adminMessages.en,
  ...designMessages.en,
  ...transferMessages.en,
  ...phoneMessages.en,
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  appTitle: "Formwork",
  language: "语言",
  logout: "退出登录",
  loginTitle: "登录",
  tenant: "租户",
  username: "用户名",
  password: "密码",
  login: "登录",
  loginFailed: "登录失败",
  pleaseEnter: "请输入{field}",
  apps: "应用",
  noApps: "尚未安装应用",
  entities: "个实体",
  newRecord: "新建",
  editRecord: "编辑",
  viewRecord: "查看",
  search: "搜索",
  total: "共 {n} 条",
  save: "保存",
  cancel: "取消",
  saved: "已保存",
  saveFailed: "保存失败",
  loadFailed: "加载失败",
  fixErrors: "请修正标出的字段",
  recordChanged: "该记录已被他人修改，已重新加载，请重新填写您的修改。",
  notFound: "未找到",
  addRow: "添加行",
  deleteRow: "删除",
  upload: "上传",
  province: "省",
  city: "市",
  district: "区",
  detail: "详细地址",
  yes: "是",
  no: "否",
  rows: "{n} 行",
  rowN: "第 {n} 行",
  back: "返回",
  bold: "加粗",
  italic: "斜体",
  underline: "下划线",
  bulletList: "项目符号列表",
  numberedList: "编号列表",
  latitude: "纬度",
  longitude: "经度",
  locate: "使用我的位置",
  locateFailed: "无法获取您的位置",
  signature: "签名",
  signHere: "请在此签名",
  clear: "清除",
  allRecords: "全部记录",
  views: "视图",
  moveTo: "移动到…",
  movedTo: "已移到「{column}」",
  moveFailed: "无法移动卡片",
  moveRefused: "暂时无法移到「{column}」",
  cardChanged: "该卡片已被他人修改，看板已重新加载。",
  openRecord: "打开记录",
  noRecords: "暂无记录",
  loadMore: "加载更多",
  actions: "操作",
  actionDone: "{action}：已完成",
  actionFailed: "{action}失败",
  createStep: "创建{entity}",
  stepFromRecord: "根据本记录自动填写",
  stepLeftOut: "不创建",
  createdRecord: "已创建{entity}",
  reusedRecord: "已关联现有{entity}",
  open: "打开",
  exportRecords: "导出",
  exportExcel: "Excel（.xlsx）",
  exportCsv: "CSV（.csv）",
  exportFailed: "导出失败",
  importRecords: "导入",
  importTitle: "从 Excel 或 CSV 导入{entity}",
  importHint: "第一行为列标题：与导出文件相同的字段名称。每一行创建一条新记录；任何一行有问题时，整个文件都不会导入。",
  importPick: "选择文件",
  importCheck: "检查",
  importRun: "导入",
  importReady: "{n} 行可以导入",
  importProblems: "发现 {n} 个问题：未导入任何记录",
  importDone: "已导入 {n} 条记录",
  importFailed: "导入失败",
  importRow: "行",
  importColumn: "列",
  importMessage: "问题",
  ...notificationMessages.zhCN,
  ...recordMessages.zhCN,
  ...listMessages.zhCN,
  ...adminMessages.zhCN,
  ...designMessages.zhCN,
  ...transferMessages.zhCN,
  ...phoneMessages.zhCN,
};

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { "zh-CN": zhCN, en };

function isLang(value: string | null): value is Lang {
  return value !== null && (LANGS as readonly string[]).includes(value);
}

/** The persisted UI language; also sent to the API as Accept-Language. */
export function currentLang(): Lang {
  const stored = localStorage.getItem(LANG_KEY);
  return isLang(stored) ? stored : "zh-CN";
}

/** Makes dates (dayjs, hence antd pickers) and the document follow `lang`, remembering it when asked. */
export function applyLang(lang: Lang, { persist }: { persist: boolean }): Lang {
  if (persist) localStorage.setItem(LANG_KEY, lang);
  dayjs.locale(lang === "zh-CN" ? "zh-cn" : "en");
  document.documentElement.lang = lang;
  return lang;
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;
export type LabelOf = (text: Label | undefined, fallback: string) => string;

/** The UI string `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    vars && name in vars ? String(vars[name]) : whole,
  );
}

/**
 * Pick the text for `lang` from a definition label, falling back to en, then
 * zh-CN, then `fallback` (usually the key of the thing labelled).
 */
export function pickLabel(text: Label | undefined, lang: Lang, fallback: string): string {
  if (typeof text === "string") return text || fallback;
  return text?.[lang] || text?.en || text?.["zh-CN"] || fallback;
}
