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
}

/** Export the entity's records as Excel or CSV: the current view, sort and search, in the UI language. */
export function ExportMenu({ app, entity, scope }: { app: string; entity: string; scope: ExportScope }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState(false);

  const run = async (format: "xlsx" | "csv") => {
    setBusy(true);
    try {
      await exportRecords(app, entity, { format, lang, view: scope.view, sort: scope.sort, q: scope.q });
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
          { key: "xlsx", label: <span data-testid="export-xlsx">{t("exportExcel")}</span> },
          { key: "csv", label: <span data-testid="export-csv">{t("exportCsv")}</span> },
        ],
        onClick: ({ key }) => void run(key === "csv" ? "csv" : "xlsx"),
      }}
    >
      <Button icon={<DownloadOutlined />} loading={busy} data-testid="export-records">
        {t("exportRecords")}
      </Button>
    </Dropdown>
  );
}
