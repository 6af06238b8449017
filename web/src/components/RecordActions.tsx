/**
 * The actions a user may run on a record now (`GET …/{id}/actions`), one
 * button each. An action with inputs, or a conversion, asks for them in a
 * dialog built from the definition's fields; one with `confirm` asks first.
 */
import { Alert, App as AntApp, Button, Card, Checkbox, Form, Modal, Space, Typography } from "antd";
import type { ButtonProps } from "antd";
import { useMemo, useState } from "react";
import { api, ApiError, Submission } from "../api/client";
import type { ActionInput, ActionResult, AppDefinition, EntityDef, FieldDef, RecordAction, RecordData } from "../api/types";
import { findEntity } from "../definition";
import { FieldEnvironmentContext, type FieldEnvironment } from "../fields/context";
import { BarButtons, BottomBar, type BarItem } from "./BottomBar";
import { FieldInput } from "../fields/FieldInput";
import { wireValue } from "../fields/registry";
import { isEmpty, isRow } from "../fields/values";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";
import { useI18n } from "../hooks/useI18n";

type Values = Record<string, unknown>;

/** Where a conversion's own inputs go in its body (`{"record": {...}}`). */
const RECORD_PART = "record";

/** An input with its field's definition; inputs the definition does not know are left out. */
interface InputField {
  input: ActionInput;
  field: FieldDef;
}

function inputFields(definition: AppDefinition, inputs: ActionInput[]): InputField[] {
  return inputs.flatMap((input) => {
    const field = findEntity(definition, input.entity)?.fields.find((candidate) => candidate.key === input.field);
    return field ? [{ input, field }] : [];
  });
}

/** The request value of each filled-in input; blank ones are left to the action's own mapping. */
function inputBody(fields: InputField[], values: unknown): Values {
  const given = isRow(values) ? values : {};
  return Object.fromEntries(
    fields.flatMap(({ field }) => {
      const value = given[field.key];
      return isEmpty(value) ? [] : [[field.key, wireValue(field, value)]];
    }),
  );
}

interface RunProps {
  app: string;
  entity: EntityDef;
  record: RecordData;
  action: RecordAction;
  onClose: () => void;
  onDone: (result: ActionResult, action: RecordAction) => void;
}

/** The dialog of an action with inputs, or of a conversion: its steps, each with its inputs. */
function ActionDialog({ app, entity, record, action, onClose, onDone }: RunProps) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string[] | null>(null);
  const steps = action.type === "convert" ? (action.steps ?? []) : [];
  const [leftOut, setLeftOut] = useState<Set<string>>(new Set());
  // One key per confirmed run: pressing it again after a lost answer replays instead of running twice.
  const [submission] = useState(() => new Submission());
  const environment = useMemo<FieldEnvironment>(() => ({ app, definition, display: {} }), [app, definition]);

  const own = inputFields(definition, action.input);
  // A conversion nests its own inputs under "record"; a plain action sends them at the top level.
  const ownPath = (key: string) => (steps.length ? [RECORD_PART, key] : [key]);
  const stepFields = steps.map((step) => ({ step, fields: inputFields(definition, step.input) }));
  const initialValues: Values = Object.fromEntries(
    steps.filter((step) => Object.keys(step.prefill).length).map((step) => [step.key, step.prefill]),
  );

  const item = ({ input, field }: InputField, path: string[], disabled = false) => {
    const name = label(field.label, field.key);
    return (
      <Form.Item
        key={path.join(".")}
        name={path}
        label={name}
        required={input.required && !disabled}
        data-testid={`action-field-${path.join(".")}`}
        rules={[
          {
            validator: (_rule, value: unknown) =>
              input.required && !disabled && isEmpty(value)
                ? Promise.reject(new Error(t("pleaseEnter", { field: name })))
                : Promise.resolve(),
          },
        ]}
      >
        <FieldInput field={field} disabled={disabled || running} />
      </Form.Item>
    );
  };

  const body = (values: Values): Values => {
    if (!steps.length) return inputBody(own, values);
    const sent: Values = {};
    for (const { step, fields } of stepFields) {
      if (leftOut.has(step.key)) sent[step.key] = null;
      else if (fields.length) sent[step.key] = inputBody(fields, values[step.key]);
    }
    if (own.length) sent[RECORD_PART] = inputBody(own, values[RECORD_PART]);
    return sent;
  };

  /** "opportunity.amount" → "Opportunity · Amount": a field the dialog does not show, named for people. */
  const pathText = (path: string) => {
    const [head, ...rest] = path.split(".");
    const entityKey = head === RECORD_PART ? entity.key : steps.find((step) => step.key === head)?.entity;
    const target = entityKey ? findEntity(definition, entityKey) : undefined;
    if (!target || !rest.length) return path;
    const field = target.fields.find((candidate) => candidate.key === rest[0]);
    return [label(target.label, target.key), label(field?.label, rest.join(".")), ...rest.slice(1)].join(" · ");
  };

  /** Field errors go under their fields (`opportunity.name`, `record.x`, `x`); the rest above them. */
  const showRefusal = (failure: ApiError) => {
    const known = new Set([
      ...own.map(({ field }) => ownPath(field.key).join(".")),
      ...stepFields.flatMap(({ step, fields }) => fields.map(({ field }) => `${step.key}.${field.key}`)),
    ]);
    const general: string[] = [];
    const byPath = new Map<string, string[]>();
    for (const error of failure.problem.errors ?? []) {
      const path = error.field;
      if (path && known.has(path)) byPath.set(path, [...(byPath.get(path) ?? []), error.message]);
      else general.push(path ? `${pathText(path)}: ${error.message}` : error.message);
    }
    form.setFields([...known].map((path) => ({ name: path.split("."), errors: byPath.get(path) ?? [] })));
    if (general.length) setProblem(general);
    else if (!byPath.size) setProblem([failure.message]);
    if (byPath.size) message.error(t("fixErrors"));
  };

  const run = async () => {
    try {
      await form.validateFields();
    } catch {
      return; // the fields show what is missing
    }
    const values = form.getFieldsValue(true) as Values;
    setRunning(true);
    setProblem(null);
    try {
      const sent = body(values);
      const result = await api.runAction(app, entity.key, record.id, action.key, sent, submission.keyFor(sent));
      submission.succeeded();
      onDone(result, action);
    } catch (failure) {
      setRunning(false);
      if (failure instanceof ApiError && failure.status === 422) {
        showRefusal(failure);
      } else {
        setProblem([failure instanceof Error ? failure.message : String(failure)]);
      }
    }
  };

  const stepTitle = (entityKey: string) => label(findEntity(definition, entityKey)?.label, entityKey);

  return (
    <Modal
      open
      title={label(action.label, action.key)}
      okText={label(action.label, action.key)}
      cancelText={t("cancel")}
      confirmLoading={running}
      onOk={() => void run()}
      onCancel={onClose}
      destroyOnHidden
      okButtonProps={{ "data-testid": "action-run" } as ButtonProps}
    >
      <FieldEnvironmentContext.Provider value={environment}>
        <Form<Values>
          form={form}
          name="action"
          layout="vertical"
          initialValues={initialValues}
          data-testid="action-dialog"
        >
          {action.confirm && <Typography.Paragraph>{label(action.confirm, "")}</Typography.Paragraph>}
          {problem && (
            <Alert
              type="error"
              showIcon
              className="fw-gap"
              data-testid="action-errors"
              title={t("actionFailed", { action: label(action.label, action.key) })}
              description={
                <ul className="fw-flush">
                  {problem.map((text) => (
                    <li key={text}>{text}</li>
                  ))}
                </ul>
              }
            />
          )}
          {own.map((input) => item(input, ownPath(input.field.key)))}
          {stepFields.map(({ step, fields }) => {
            const excluded = leftOut.has(step.key);
            return (
              <Card
                key={step.key}
                size="small"
                className="fw-gap"
                data-testid={`action-step-${step.key}`}
                title={stepTitle(step.entity)}
                extra={
                  step.optional && (
                    <Checkbox
                      checked={!excluded}
                      data-testid={`step-include-${step.key}`}
                      onChange={(event) =>
                        setLeftOut((now) => {
                          const next = new Set(now);
                          if (event.target.checked) next.delete(step.key);
                          else next.add(step.key);
                          return next;
                        })
                      }
                    >
                      {t("createStep", { entity: stepTitle(step.entity) })}
                    </Checkbox>
                  )
                }
              >
                {fields.length ? (
                  fields.map((input) => item(input, [step.key, input.field.key], excluded))
                ) : (
                  <Typography.Text type="secondary">
                    {excluded ? t("stepLeftOut") : t("stepFromRecord")}
                  </Typography.Text>
                )}
              </Card>
            );
          })}
        </Form>
      </FieldEnvironmentContext.Provider>
    </Modal>
  );
}

interface ActionsProps {
  app: string;
  entity: EntityDef;
  record: RecordData;
  onDone: (result: ActionResult, action: RecordAction) => void;
  /**
   * On phones: the actions go into the bottom bar, after `leading` (Edit)
   * and before `trailing` (quick adds); what does not fit, into its "more" menu.
   */
  bar?: { leading: BarItem[]; trailing: BarItem[] };
}

/** The record's action buttons (or its bottom bar); nothing while they load or when none is offered. */
export function RecordActions({ app, entity, record, onDone, bar }: ActionsProps) {
  const { t, label } = useI18n();
  const { message, modal } = AntApp.useApp();
  const [open, setOpen] = useState<RecordAction | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  /** Why the last action run at once failed: it stays until the next run, unlike a toast. */
  const [failed, setFailed] = useState<{ title: string; text: string } | null>(null);
  // Running the same action again after a failure is a retry of it: same key, so it runs at most once.
  const [submission] = useState(() => new Submission());
  const { data } = useLoader(
    () => api.recordActions(app, entity.key, record.id),
    [app, entity.key, record.id, record.version],
  );
  const actions = data?.items ?? [];
  if (!actions.length && !bar?.leading.length && !bar?.trailing.length) return null;

  const finished = (result: ActionResult, action: RecordAction) => {
    setOpen(null);
    setRunning(null);
    message.success(t("actionDone", { action: label(action.label, action.key) }));
    onDone(result, action);
  };

  const runAtOnce = async (action: RecordAction) => {
    setRunning(action.key);
    try {
      const key = submission.keyFor({ action: action.key, version: record.version });
      const result = await api.runAction(app, entity.key, record.id, action.key, {}, key);
      submission.succeeded();
      finished(result, action);
    } catch (failure) {
      setRunning(null);
      const title = t("actionFailed", { action: label(action.label, action.key) });
      setFailed({ title, text: failure instanceof Error ? failure.message : String(failure) });
      message.error(title);
    }
  };

  const start = (action: RecordAction) => {
    setFailed(null);
    if (action.input.length || action.type === "convert") {
      setOpen(action);
    } else if (action.confirm) {
      modal.confirm({
        title: label(action.confirm, ""),
        okText: label(action.label, action.key),
        cancelText: t("cancel"),
        onOk: () => runAtOnce(action),
      });
    } else {
      void runAtOnce(action);
    }
  };

  return (
    <>
      {failed && (
        <Alert
          type="error"
          showIcon
          closable
          className="fw-gap"
          data-testid="action-error"
          title={failed.title}
          description={failed.text}
          onClose={() => setFailed(null)}
        />
      )}
      {bar ? (
        <BottomBar testId="record-bar">
          <BarButtons
            items={[
              ...bar.leading,
              ...actions.map((action) => ({
                key: `action:${action.key}`,
                label: label(action.label, action.key),
                testId: `action-${action.key}`,
                loading: running === action.key,
                disabled: running !== null && running !== action.key,
                onClick: () => start(action),
              })),
              ...bar.trailing,
            ]}
          />
        </BottomBar>
      ) : (
        <Space wrap className="fw-gap" data-testid="record-actions" aria-label={t("actions")}>
          {actions.map((action) => (
            <Button
              key={action.key}
              data-testid={`action-${action.key}`}
              loading={running === action.key}
              disabled={running !== null && running !== action.key}
              onClick={() => start(action)}
            >
              {label(action.label, action.key)}
            </Button>
          ))}
        </Space>
      )}
      {open && (
        <ActionDialog
          app={app}
          entity={entity}
          record={record}
          action={open}
          onClose={() => setOpen(null)}
          onDone={finished}
        />
      )}
    </>
  );
}
