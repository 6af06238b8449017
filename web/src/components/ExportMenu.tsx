import { DownloadOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Dropdown } from "antd";
import { useState } from "react";
import { ApiError, exportRecords } from "../api/client";
import { useI18n } from "../hooks/useI18n";

/** What the list shows, so the file holds the same records in the same order. */
export interface ExportScope {
  view?: string;
  sort?: string;
  q?: string;
  /** The list's own filters (builder and columns), ANDed: the file holds what the list shows. */
  filter?: string;
}

type Columns = "view" | "importable";

/**
 * Export the entity's records as Excel or CSV: the current view, filters, sort
 * and search, in the UI language; either the view's columns or every importable
 * field (with the ID and version), a file to edit and import back as an upsert.
 */
export function ExportMenu({ app, entity, scope }: { app: string; entity: string; scope: ExportScope }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState(false);

  const run = async (format: "xlsx" | "csv", columns: Columns) => {
    setBusy(true);
    try {
      await exportRecords(app, entity, { format, lang, columns, view: scope.view, sort: scope.sort, q: scope.q, filter: scope.filter });
    } catch (failure) {
      const detail = failure instanceof ApiError ? failure.message : String(failure);
      message.error(`${t("exportFailed")}: ${detail}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dropdown
      trigger={["click"]}
      menu={{
        items: [
          {
            type: "group",
            key: "view",
            label: t("exportViewColumns"),
            children: [
              { key: "xlsx", label: <span data-testid="export-xlsx">{t("exportExcel")}</span> },
              { key: "csv", label: <span data-testid="export-csv">{t("exportCsv")}</span> },
            ],
          },
          {
            type: "group",
            key: "importable",
            label: t("exportImportable"),
            children: [
              {
                key: "importable:xlsx",
                label: <span data-testid="export-importable-xlsx">{t("exportExcel")}</span>,
              },
              { key: "importable:csv", label: <span data-testid="export-importable-csv">{t("exportCsv")}</span> },
            ],
          },
        ],
        onClick: ({ key }) => {
          const [columns, format] = key.includes(":") ? key.split(":") : ["view", key];
          void run(format === "csv" ? "csv" : "xlsx", columns === "importable" ? "importable" : "view");
        },
      }}
    >
      <Button icon={<DownloadOutlined />} loading={busy} data-testid="export-records">
        {t("exportRecords")}
      </Button>
    </Dropdown>
  );
}
