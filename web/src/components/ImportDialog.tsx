import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Modal, Select, Space, Table, Tag, Typography } from "antd";
import { useRef, useState } from "react";
import type { ImportAnswer, ImportRowResult } from "../api/client";
import { ApiError, downloadImportTemplate, importRecords } from "../api/client";
import type { FieldDef, FieldError } from "../api/types";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";

/** One problem of an import, as the API names it: `rows[5].phone` with the row and column header. */
interface ImportProblem extends FieldError {
  row?: number;
  column?: string;
}

type Mode = "insert" | "update" | "upsert";
type Totals = { created: number; updated: number; unchanged: number; failed: number };

/** What the dry run answered: what every row would do, and the problems when there are any. */
interface Checked {
  totals: Totals;
  rows: ImportRowResult[];
  problems: ImportProblem[];
  totalProblems: number;
}

const STATUS_COLORS: Record<ImportRowResult["status"], string> = {
  created: "green",
  updated: "blue",
  unchanged: "default",
  failed: "red",
};

function totalsOf(answer: Partial<Totals>): Totals {
  return {
    created: answer.created ?? 0,
    updated: answer.updated ?? 0,
    unchanged: answer.unchanged ?? 0,
    failed: answer.failed ?? 0,
  };
}

/**
 * Import records from a spreadsheet: choose how rows become records (create,
 * update or upsert, matched by ID or a unique field), pick a file, the server
 * checks it (a dry run that writes nothing) and answers what each row would
 * do, then the import itself, all rows or none. The entity's import template
 * is a download away.
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
  const { t, lang, label } = useI18n();
  const { message } = AntApp.useApp();
  const definition = useAppDefinition();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File>();
  const [mode, setMode] = useState<Mode>("insert");
  const [matchBy, setMatchBy] = useState<string>("");
  const [checked, setChecked] = useState<Checked>();
  const [busy, setBusy] = useState(false);

  const uniques = (definition.entities.find((e) => e.key === entity)?.fields ?? []).filter(
    (field) => (field as FieldDef & { unique?: boolean }).unique,
  );

  const reset = () => {
    setFile(undefined);
    setChecked(undefined);
    if (input.current) input.current.value = "";
  };

  const checkedOf = (answer: ImportAnswer): Checked => ({
    totals: totalsOf(answer),
    rows: answer.rows ?? [],
    problems: [],
    totalProblems: 0,
  });

  const problemsOf = (failure: unknown): Checked | undefined => {
    if (failure instanceof ApiError && failure.status === 422 && failure.problem.errors?.length) {
      const extra = failure.problem as Partial<Totals> & { total_errors?: number; rows?: ImportRowResult[] };
      const problems = failure.problem.errors as ImportProblem[];
      return {
        totals: totalsOf(extra),
        rows: extra.rows ?? [],
        problems,
        totalProblems: extra.total_errors ?? problems.length,
      };
    }
    return undefined;
  };

  const send = async (chosen: File, dryRun: boolean, how: Mode = mode, by: string = matchBy) => {
    setBusy(true);
    try {
      const options = { mode: how, match_by: how !== "insert" && by ? by : undefined };
      const answer = await importRecords(app, entity, chosen, dryRun, options);
      if (dryRun) {
        setChecked(checkedOf(answer));
        return;
      }
      message.success(t("importDoneReport", { ...totalsOf(answer) }));
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

  // A new choice of mode or matching checks the chosen file again.
  const rechecked = (how: Mode, by: string) => {
    setChecked(undefined);
    if (file) void send(file, true, how, by);
  };

  const template = async () => {
    try {
      await downloadImportTemplate(app, entity, lang);
    } catch (failure) {
      message.error(`${t("importFailed")}: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };

  const ready = checked !== undefined && checked.problems.length === 0;
  const statusText: Record<ImportRowResult["status"], string> = {
    created: t("importStatusCreated"),
    updated: t("importStatusUpdated"),
    unchanged: t("importStatusUnchanged"),
    failed: t("importStatusFailed"),
  };
  const fieldLabel = (key: string) => {
    const field = definition.entities.find((e) => e.key === entity)?.fields.find((f) => f.key === key);
    return field ? label(field.label, key) : key;
  };

  return (
    <>
      <Button icon={<UploadOutlined />} data-testid="import-records" onClick={() => setOpen(true)}>
        {t("importRecords")}
      </Button>
      <Modal
        open={open}
        title={t("importTitle", { entity: entityLabel })}
        width={760}
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
            disabled={!file || !ready}
            onClick={() => file && void send(file, false)}
          >
            {t("importRun")}
          </Button>,
        ]}
      >
        <Space direction="vertical" style={{ width: "100%" }}>
          <Typography.Paragraph type="secondary">
            {mode === "insert" ? t("importHint") : t("importUpsertHint")}
          </Typography.Paragraph>
          <Space wrap>
            <Typography.Text>{t("importMode")}</Typography.Text>
            <Select<Mode>
              data-testid="import-mode"
              value={mode}
              style={{ minWidth: 280 }}
              onChange={(value) => {
                setMode(value);
                rechecked(value, matchBy);
              }}
              options={[
                { value: "insert", label: t("importModeInsert") },
                { value: "upsert", label: t("importModeUpsert") },
                { value: "update", label: t("importModeUpdate") },
              ]}
            />
            {mode !== "insert" && (
              <>
                <Typography.Text>{t("importMatchBy")}</Typography.Text>
                <Select<string>
                  data-testid="import-match-by"
                  value={matchBy}
                  style={{ minWidth: 160 }}
                  onChange={(value) => {
                    setMatchBy(value);
                    rechecked(mode, value);
                  }}
                  options={[
                    { value: "", label: t("importMatchById") },
                    ...uniques.map((field) => ({ value: field.key, label: `ID / ${label(field.label, field.key)}` })),
                  ]}
                />
              </>
            )}
          </Space>
          <Space wrap>
            <Button onClick={() => input.current?.click()} loading={busy && !checked}>
              {t("importPick")}
            </Button>
            <Typography.Text>{file?.name}</Typography.Text>
            <Button type="link" icon={<DownloadOutlined />} data-testid="import-template" onClick={() => void template()}>
              {t("importTemplate")}
            </Button>
          </Space>
          <input
            ref={input}
            type="file"
            hidden
            accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
            data-testid="import-file"
            onChange={(event) => pick(event.target.files?.[0])}
          />
          {checked && (
            <Alert
              type={ready ? "success" : "error"}
              showIcon
              data-testid={ready ? "import-ready" : "import-problems"}
              message={
                ready
                  ? t("importReady", { n: checked.rows.length })
                  : t("importProblems", { n: checked.totalProblems })
              }
              description={checked.rows.length > 0 ? t("importReport", { ...checked.totals }) : undefined}
            />
          )}
          {checked && checked.problems.length > 0 && (
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
          )}
          {checked && checked.rows.length > 0 && (
            <Table<ImportRowResult>
              data-testid="import-report"
              size="small"
              rowKey="row"
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              dataSource={checked.rows}
              columns={[
                { key: "row", title: t("importRow"), dataIndex: "row", width: 70 },
                {
                  key: "status",
                  title: t("importStatus"),
                  width: 100,
                  render: (_v, r) => (
                    <Tag color={STATUS_COLORS[r.status]} data-testid={`import-status-${r.row}`}>
                      {statusText[r.status]}
                    </Tag>
                  ),
                },
                { key: "id", title: "ID", dataIndex: "id", width: 80 },
                {
                  key: "changed",
                  title: t("importChanged"),
                  render: (_v, r) => (r.changed ?? []).map(fieldLabel).join(", "),
                },
              ]}
            />
          )}
        </Space>
      </Modal>
    </>
  );
}
