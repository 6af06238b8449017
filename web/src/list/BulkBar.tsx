import { DownOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Dropdown, Flex, Form, Modal, Select, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, ApiError, exportRecords, Submission } from "../api/client";
import type { EntityDef, FieldDef, RecordAction } from "../api/types";
import { findEntity } from "../definition";
import { FieldEnvironmentContext, type FieldEnvironment } from "../fields/context";
import { FieldInput } from "../fields/FieldInput";
import { isEditable, wireValue } from "../fields/registry";
import { isEmpty } from "../fields/values";
import { useAppDefinition, useEntityAccess } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { listApi, type BulkFailure } from "./api";
import { idsFilter } from "./filters";

type Values = Record<string, unknown>;

/** What a bulk refusal says per record: "#12: you may not update this lead". */
function failureLines(failure: unknown, t: ReturnType<typeof useI18n>["t"]): string[] {
  if (!(failure instanceof ApiError)) return [String(failure)];
  const failures = (failure.problem as { failures?: BulkFailure[] }).failures;
  if (!failures) return [failure.message];
  return failures.map((item) => {
    const fields = (item.errors ?? []).map((error) => `${error.field}: ${error.message}`).join("; ");
    return t("bulkFailure", { id: item.id, detail: fields ? `${item.detail} (${fields})` : item.detail });
  });
}

interface Props {
  app: string;
  entity: EntityDef;
  selected: number[];
  onClear: () => void;
  onDone: () => void;
}

/**
 * What can be done with the selected rows: edit one field, run one of the
 * entity's actions (assign, transfer…), delete, export. The server runs each
 * record through the same checks as a single write, all or nothing; a
 * refusal lists every record that failed and why.
 */
export function BulkBar({ app, entity, selected, onClear, onDone }: Props) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const { message, modal } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const [mode, setMode] = useState<{ kind: "edit" } | { kind: "action"; action: RecordAction } | null>(null);
  const [field, setField] = useState<FieldDef>();
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string[] | null>(null);
  const [offered, setOffered] = useState<RecordAction[] | null>(null);
  // One key per confirmed operation: running it again after a lost answer replays it.
  const [submission] = useState(() => new Submission());
  const environment = useMemo<FieldEnvironment>(() => ({ app, definition, display: {} }), [app, definition]);
  const n = selected.length;

  // Fields the user may write: not computed, not read-only or hidden for their role.
  const editable = entity.fields.filter(
    (candidate) => isEditable(candidate) && (access.fields[candidate.key] ?? "write") === "write",
  );

  const finish = (done: number) => {
    message.success(t("bulkDone", { n: done }));
    setMode(null);
    setProblem(null);
    form.resetFields();
    onClear();
    onDone();
  };
  /** Runs one bulk operation; `what` names it (with its records and values) for its key. */
  const run = async (what: unknown, call: (key: string) => Promise<unknown>) => {
    setRunning(true);
    setProblem(null);
    try {
      await call(submission.keyFor({ what, selected }));
      submission.succeeded();
      finish(n);
    } catch (failure) {
      const lines = failureLines(failure, t);
      setProblem(lines);
      if (!mode) message.error(`${t("bulkFailed", { n: lines.length })}: ${lines.slice(0, 3).join(" · ")}`);
    } finally {
      setRunning(false);
    }
  };

  const loadActions = async () => {
    // The inputs of each action come with the actions offered on a selected record.
    try {
      setOffered((await api.recordActions(app, entity.key, selected[0])).items);
    } catch {
      setOffered([]);
    }
  };

  const submit = async () => {
    const values = await form.validateFields();
    if (mode?.kind === "edit" && field) {
      const changes = { [field.key]: wireValue(field, values[field.key]) };
      await run(["update", changes], (key) => listApi.bulkUpdate(app, entity.key, selected, changes, key));
    } else if (mode?.kind === "action") {
      const params = Object.fromEntries(
        mode.action.input.flatMap((input) => {
          const def = findEntity(definition, input.entity)?.fields.find((candidate) => candidate.key === input.field);
          const value = values[input.field];
          return def && !isEmpty(value) ? [[input.field, wireValue(def, value)]] : [];
        }),
      );
      const action = mode.action.key;
      await run(["action", action, params], (key) => listApi.bulkAction(app, entity.key, selected, action, params, key));
    }
  };

  const actionItems = (offered ?? []).map((action) => ({
    key: action.key,
    label: <span data-testid={`bulk-action-${action.key}`}>{label(action.label, action.key)}</span>,
  }));
  const inputs = mode?.kind === "action" ? mode.action.input : [];

  return (
    <Flex gap="small" align="center" wrap className="fw-bulk-bar" data-testid="bulk-bar">
      <Typography.Text strong data-testid="bulk-count">
        {t("selectedCount", { n })}
      </Typography.Text>
      {access.update && (
        <Button data-testid="bulk-edit" onClick={() => setMode({ kind: "edit" })}>
          {t("bulkEdit")}
        </Button>
      )}
      <Dropdown
        trigger={["click"]}
        onOpenChange={(open) => open && void loadActions()}
        menu={{
          items: actionItems,
          onClick: ({ key }) => {
            const action = offered?.find((candidate) => candidate.key === key);
            if (!action) return;
            if (action.input.length) setMode({ kind: "action", action });
            else void run(["action", action.key, {}], (key) => listApi.bulkAction(app, entity.key, selected, action.key, {}, key));
          },
        }}
      >
        <Button data-testid="bulk-actions" loading={offered === null && running}>
          {t("bulkActions")} <DownOutlined />
        </Button>
      </Dropdown>
      {access.delete && (
        <Button
          danger
          data-testid="bulk-delete"
          onClick={() =>
            modal.confirm({
              title: t("bulkDeleteConfirm", { n }),
              onOk: () => run(["delete"], (key) => listApi.bulkDelete(app, entity.key, selected, key)),
            })
          }
        >
          {t("bulkDelete")}
        </Button>
      )}
      <Button
        data-testid="bulk-export"
        onClick={() => void exportRecords(app, entity.key, { format: "xlsx", filter: JSON.stringify(idsFilter(selected)) })}
      >
        {t("bulkExport")}
      </Button>
      <Button type="link" data-testid="bulk-clear" onClick={onClear}>
        {t("clearSelection")}
      </Button>
      {problem && !mode && (
        <Alert type="error" showIcon closable data-testid="bulk-problem" onClose={() => setProblem(null)} message={t("bulkFailed", { n: problem.length })} description={<ul>{problem.map((line) => <li key={line}>{line}</li>)}</ul>} />
      )}
      <Modal
        open={mode !== null}
        title={mode?.kind === "action" ? label(mode.action.label, mode.action.key) : t("bulkEdit")}
        okText={t("bulkRun")}
        okButtonProps={{ loading: running, ...({ "data-testid": "bulk-run" } as Record<string, string>) }}
        onOk={() => void submit()}
        onCancel={() => {
          setMode(null);
          setProblem(null);
        }}
        destroyOnClose
      >
        <FieldEnvironmentContext.Provider value={environment}>
          <Typography.Paragraph>{t("selectedCount", { n })}</Typography.Paragraph>
          {problem && (
            <Alert type="error" showIcon data-testid="bulk-problem" message={t("bulkFailed", { n: problem.length })} description={<ul>{problem.map((line) => <li key={line}>{line}</li>)}</ul>} />
          )}
          <Form form={form} layout="vertical" preserve={false}>
            {mode?.kind === "edit" && (
              <Form.Item label={t("bulkField")} required>
                <Select
                  data-testid="bulk-field"
                  showSearch
                  optionFilterProp="label"
                  value={field?.key}
                  options={editable.map((candidate) => ({ value: candidate.key, label: label(candidate.label, candidate.key) }))}
                  onChange={(key: string) => setField(entity.fields.find((candidate) => candidate.key === key))}
                />
              </Form.Item>
            )}
            {mode?.kind === "edit" && field && (
              <Form.Item key={field.key} name={field.key} label={t("bulkValue")} data-testid="bulk-value">
                <FieldInput field={field} disabled={running} />
              </Form.Item>
            )}
            {inputs.map((input) => {
              const def = findEntity(definition, input.entity)?.fields.find((candidate) => candidate.key === input.field);
              if (!def) return null;
              const name = label(def.label, def.key);
              return (
                <Form.Item
                  key={input.field}
                  name={input.field}
                  label={name}
                  required={input.required}
                  data-testid={`bulk-input-${input.field}`}
                  rules={input.required ? [{ validator: (_r, value: unknown) => (isEmpty(value) ? Promise.reject(new Error(t("pleaseEnter", { field: name }))) : Promise.resolve()) }] : []}
                >
                  <FieldInput field={def} disabled={running} />
                </Form.Item>
              );
            })}
          </Form>
        </FieldEnvironmentContext.Provider>
      </Modal>
    </Flex>
  );
}
