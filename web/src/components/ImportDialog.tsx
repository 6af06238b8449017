import { UploadOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Modal, Space, Table, Typography } from "antd";
import { useRef, useState } from "react";
import { ApiError, importRecords } from "../api/client";
import type { FieldError } from "../api/types";
import { useI18n } from "../hooks/useI18n";

/** One problem of an import, as the API names it: `rows[5].phone` with the row and column header. */
interface ImportProblem extends FieldError {
  row?: number;
  column?: string;
}

type Checked = { kind: "ready"; rows: number } | { kind: "problems"; problems: ImportProblem[]; total: number };

/**
 * Import records from a spreadsheet: pick a file, the server checks it (a dry
 * run that writes nothing), then either the problems or "N rows ready", then
 * the import itself, all rows or none.
 */
export function ImportDialog({
  app,
  entity,
  entityLabel,
  onImported,
}: {
  app: string;
  entity: string;
  entityLabel: string;
  onImported: () => void;
}) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File>();
  const [checked, setChecked] = useState<Checked>();
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setFile(undefined);
    setChecked(undefined);
    if (input.current) input.current.value = "";
  };

  const problemsOf = (failure: unknown): Checked | undefined => {
    if (failure instanceof ApiError && failure.status === 422 && failure.problem.errors?.length) {
      const extra = failure.problem as { total_errors?: number };
      const problems = failure.problem.errors as ImportProblem[];
      return { kind: "problems", problems, total: extra.total_errors ?? problems.length };
    }
    return undefined;
  };

  const send = async (chosen: File, dryRun: boolean) => {
    setBusy(true);
    try {
      const answer = await importRecords(app, entity, chosen, dryRun);
      if (dryRun) {
        setChecked({ kind: "ready", rows: answer.valid ?? 0 });
        return;
      }
      message.success(t("importDone", { n: answer.created ?? 0 }));
      setOpen(false);
      reset();
      onImported();
    } catch (failure) {
      const problems = problemsOf(failure);
      if (problems) setChecked(problems);
      else message.error(`${t("importFailed")}: ${failure instanceof Error ? failure.message : String(failure)}`);
    } finally {
      setBusy(false);
    }
  };

  const pick = (chosen: File | undefined) => {
    setChecked(undefined);
    setFile(chosen);
    if (chosen) void send(chosen, true);
  };

  return (
    <>
      <Button icon={<UploadOutlined />} data-testid="import-records" onClick={() => setOpen(true)}>
        {t("importRecords")}
      </Button>
      <Modal
        open={open}
        title={t("importTitle", { entity: entityLabel })}
        width={720}
        onCancel={() => {
          setOpen(false);
          reset();
        }}
        footer={[
          <Button
            key="cancel"
            onClick={() => {
              setOpen(false);
              reset();
            }}
          >
            {t("cancel")}
          </Button>,
          <Button
            key="run"
            type="primary"
            data-testid="import-run"
            loading={busy}
            disabled={!file || checked?.kind !== "ready"}
            onClick={() => file && void send(file, false)}
          >
            {t("importRun")}
          </Button>,
        ]}
      >
        <Space direction="vertical" style={{ width: "100%" }}>
          <Typography.Paragraph type="secondary">{t("importHint")}</Typography.Paragraph>
          <Space>
            <Button onClick={() => input.current?.click()} loading={busy && !checked}>
              {t("importPick")}
            </Button>
            <Typography.Text>{file?.name}</Typography.Text>
          </Space>
          <input
            ref={input}
            type="file"
            hidden
            accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
            data-testid="import-file"
            onChange={(event) => pick(event.target.files?.[0])}
          />
          {checked?.kind === "ready" && (
            <Alert type="success" showIcon data-testid="import-ready" message={t("importReady", { n: checked.rows })} />
          )}
          {checked?.kind === "problems" && (
            <>
              <Alert type="error" showIcon message={t("importProblems", { n: checked.total })} />
              <Table<ImportProblem>
                data-testid="import-errors"
                size="small"
                rowKey={(problem) => `${problem.field ?? ""}:${problem.message}`}
                pagination={{ pageSize: 10, hideOnSinglePage: true }}
                dataSource={checked.problems}
                columns={[
                  { key: "row", title: t("importRow"), dataIndex: "row", width: 70 },
                  { key: "column", title: t("importColumn"), render: (_v, p) => p.column ?? p.field },
                  { key: "message", title: t("importMessage"), dataIndex: "message" },
                ]}
              />
            </>
          )}
        </Space>
      </Modal>
    </>
  );
}
