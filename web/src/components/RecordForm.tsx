import { Alert, App as AntApp, Button, Card, Col, Flex, Form, Row, Space, Typography } from "antd";
import type { FormInstance, Rule } from "antd/es/form";
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { api, ApiError, Submission } from "../api/client";
import type { DisplayTitle, EntityDef, FieldDef, FieldLevel, RecordData } from "../api/types";
import { formSections, literalDefaults, type Section } from "../definition";
import { FieldEnvironmentContext, type FieldEnvironment } from "../fields/context";
import { FieldInput } from "../fields/FieldInput";
import { FormPreviewContext } from "../fields/preview";
import { isEditable } from "../fields/registry";
import { isEmpty } from "../fields/values";
import { useAppDefinition, useEntityAccess } from "../hooks/useAppDefinition";
import { useFormPreview, type LivePreview } from "../hooks/useFormPreview";
import { useI18n } from "../hooks/useI18n";
import { usePhone } from "../hooks/usePhone";
import { buildPayload, placeErrors, previewBody, type Sends } from "../recordPayload";
import { BottomBar } from "./BottomBar";

type Values = Record<string, unknown>;

const GRID = 24;
/** Types that need the whole row whatever the section's column count. */
const FULL_WIDTH_TYPES = new Set(["subtable", "richtext", "signature", "image"]);

function spanOf(field: FieldDef, columns: number): number {
  return FULL_WIDTH_TYPES.has(field.type) ? GRID : Math.max(1, Math.floor(GRID / columns));
}

/** A field's state in the form now: the server's live answer, else the definition's. */
interface FieldState {
  visible: boolean;
  required: boolean;
  readonly: boolean;
}

function fieldState(field: FieldDef, live: LivePreview): FieldState {
  const { preview, settled } = live;
  if (preview) {
    return {
      visible: preview.visible[field.key] ?? true,
      required: preview.required[field.key] ?? !!field.required,
      readonly: preview.readonly[field.key] ?? false,
    };
  }
  // Before the first answer a conditional field waits hidden rather than flashing up;
  // if the server cannot answer, the definition's static state applies.
  const visible = settled || !field.visible_when;
  return { visible, required: visible && !!field.required, readonly: false };
}

/** What a field item needs of the form around it. */
interface FieldTools {
  /** The rule that reports the field's live errors. */
  rule: (key: string) => Rule;
  onLeave: (key: string) => void;
}

interface FieldItemProps {
  field: FieldDef;
  state: FieldState;
  /** Shown but not editable: the user may only read it, or the whole form is read-only. */
  locked: boolean;
  tools: FieldTools;
}

/** One field: label, required marker, input, and the errors of the server, the live check or the rules. */
function FieldItem({ field, state, locked, tools }: FieldItemProps) {
  const { t, label } = useI18n();
  const name = label(field.label, field.key);
  const editable = isEditable(field);
  const rules: Rule[] = [
    {
      validator: (_rule, value: unknown) =>
        state.required && editable && isEmpty(value)
          ? Promise.reject(new Error(t("pleaseEnter", { field: name })))
          : Promise.resolve(),
    },
    tools.rule(field.key),
  ];
  // Leaving the field (not moving within it, as between sub-table cells) shows its live errors.
  const leave = (event: FocusEvent<HTMLDivElement>) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) tools.onLeave(field.key);
  };
  return (
    <div onBlur={leave}>
      <Form.Item
        name={field.key}
        label={name}
        required={state.required && editable && !locked}
        rules={rules}
        extra={field.help ? label(field.help, "") : undefined}
      >
        <FieldInput field={field} path={field.key} disabled={locked || state.readonly} />
      </Form.Item>
    </div>
  );
}

interface SectionCardProps {
  section: Section;
  stateOf: (field: FieldDef) => FieldState;
  locked: (field: FieldDef) => boolean;
  tools: FieldTools;
}

function SectionCard({ section, stateOf, locked, tools }: SectionCardProps) {
  const { label } = useI18n();
  const shown = section.fields.filter((field) => stateOf(field).visible);
  if (!shown.length) return null;
  return (
    <Card size="small" className="fw-gap" title={section.title ? label(section.title, "") : undefined}>
      <Row gutter={16}>
        {shown.map((field) => (
          <Col key={field.key} xs={GRID} md={spanOf(field, section.columns)} data-testid={`field-${field.key}`}>
            <FieldItem field={field} state={stateOf(field)} locked={locked(field)} tools={tools} />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

/** Errors the form cannot show next to a field. */
interface ProblemBox {
  title: string;
  items: string[];
}

interface RecordFormProps {
  app: string;
  entity: EntityDef;
  /** The record being edited; absent when creating. */
  record?: RecordData;
  /** Called with the stored record (a new one's id is the server's). */
  onSaved: (saved: RecordData) => void;
  onCancel: () => void;
  /** Called after a 409: the record changed on the server and should be reloaded. */
  onConflict?: () => void;
  /** Values the edit starts from instead of the stored ones (a kanban move that needs more input). */
  preset?: Values;
  /** Titles of preset references (a new record pre-linked from a record page), shown until the save. */
  presetTitles?: Record<string, DisplayTitle>;
  /** Shown between the title and the fields: the record's actions. */
  extra?: ReactNode;
}

/**
 * The live errors of the preview (values that do not coerce, as a save would
 * answer), as a validation rule of each field, so that antd's validation is
 * the one writer of rule errors. A field's live errors apply once the user
 * has left it since changing it (or tried to save) and the answer covers that
 * change; each new answer re-validates the fields whose live errors changed.
 */
function useLiveErrors(form: FormInstance<Values>, fields: FieldDef[], live: LivePreview) {
  const { t, label } = useI18n();
  const left = useRef(new Set<string>());
  const changedAt = useRef(new Map<string, number>());
  const errors = useRef(new Map<string, string[]>());
  /** What each field's live rule answered last, to re-validate only the fields whose answer changes. */
  const applied = useRef(new Map<string, string>());
  const basedOn = useRef(0);

  const liveErrors = useCallback((key: string): string[] => {
    const current = left.current.has(key) && basedOn.current >= (changedAt.current.get(key) ?? 0);
    return current ? (errors.current.get(key) ?? []) : [];
  }, []);

  const refresh = useCallback(() => {
    const stale = fields
      .map((field) => field.key)
      .filter((key) => liveErrors(key).join("\n") !== (applied.current.get(key) ?? ""));
    // A failed validation is what shows the errors; its rejection needs no handling here.
    if (stale.length) form.validateFields(stale).catch(() => undefined);
  }, [form, fields, liveErrors]);

  useEffect(() => {
    const answered = Object.entries(live.preview?.errors ?? {}).map(([field, message]) => ({ field, message }));
    errors.current = placeErrors(answered, fields, label, t).byField;
    basedOn.current = live.basedOn;
    refresh();
  }, [live.preview, live.basedOn, fields, label, t, refresh]);

  const rule = useCallback(
    (key: string): Rule => ({
      validator: () => {
        const messages = liveErrors(key);
        applied.current.set(key, messages.join("\n"));
        return messages.length ? Promise.reject(new Error(messages.join("; "))) : Promise.resolve();
      },
    }),
    [liveErrors],
  );
  const onLeave = useCallback(
    (key: string) => {
      if (left.current.has(key)) return;
      left.current.add(key);
      refresh();
    },
    [refresh],
  );
  /** Before a save: the user is done with every field (the save's validation then shows their errors). */
  const onLeaveAll = useCallback(() => fields.forEach((field) => left.current.add(field.key)), [fields]);
  const onChanged = useCallback((keys: string[], change: number) => {
    for (const key of keys) {
      changedAt.current.set(key, change);
      left.current.delete(key);
    }
  }, []);

  return { rule, onLeave, onLeaveAll, onChanged };
}

/** Creates or edits one record, laid out by the entity's form definition, its rules applied live. */
export function RecordForm({
  app,
  entity,
  record,
  onSaved,
  onCancel,
  onConflict,
  preset,
  presetTitles,
  extra,
}: RecordFormProps) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const phone = usePhone();
  const [saving, setSaving] = useState(false);
  // Set at once, not at the next render: a second submit in the same tick must see it.
  const inFlight = useRef(false);
  // One key per submission: a second Save after a lost answer replays the first instead of creating twice.
  const [submission] = useState(() => new Submission());
  const [problem, setProblem] = useState<ProblemBox | null>(null);

  const levelOf = useCallback((field: FieldDef): FieldLevel => access.fields[field.key] ?? "write", [access]);
  // The record's own answer decides (a pool lead is readable, not writable, until claimed).
  const canSave = record ? access.update !== false && record._access?.update !== false : access.create;
  // Fields hidden from the user are not on the form at all (the server never sends their values).
  const sections = useMemo(
    () =>
      formSections(definition, entity).map((section) => ({
        ...section,
        fields: section.fields.filter((field) => levelOf(field) !== "hidden"),
      })),
    [definition, entity, levelOf],
  );
  const fields = useMemo(() => sections.flatMap((section) => section.fields), [sections]);
  // Linkage at the form's level: a link reads the fields it is filtered by and fills others.
  const fillRef = useRef<(values: Values, source?: string) => void>(() => undefined);
  const environment = useMemo<FieldEnvironment>(
    () => ({
      app,
      definition,
      display: record?._display ?? presetTitles ?? {},
      siblings: () => form.getFieldsValue(true) as Values,
      setSiblings: (values, source) => fillRef.current(values, source),
    }),
    [app, definition, record, presetTitles, form],
  );
  const initialValues = useMemo(() => {
    const start = record
      ? Object.fromEntries(fields.map((field) => [field.key, record[field.key]]))
      : literalDefaults(fields);
    // Only fields the user may write here take a preset: the save sends what differs from the record.
    const writable = new Set(fields.filter((field) => canSave && levelOf(field) === "write").map((field) => field.key));
    return { ...start, ...Object.fromEntries(Object.entries(preset ?? {}).filter(([key]) => writable.has(key))) };
  }, [fields, record, preset, canSave, levelOf]);

  const sendsRef = useRef<Sends>(() => true);
  const live = useFormPreview(app, entity.key, record?.id, () =>
    previewBody(fields, form.getFieldsValue(true) as Values, sendsRef.current),
  );
  const stateOf = (field: FieldDef) => fieldState(field, live);
  const locked = (field: FieldDef) => !canSave || levelOf(field) !== "write";
  const sends: Sends = (field) => {
    const state = stateOf(field);
    return !locked(field) && state.visible && !state.readonly;
  };
  sendsRef.current = sends;
  const { rule, onLeave, onLeaveAll, onChanged } = useLiveErrors(form, fields, live);
  const tools = useMemo<FieldTools>(() => ({ rule, onLeave }), [rule, onLeave]);

  const showProblem = (failure: ApiError) => {
    // A field the form does not show right now cannot show its error: it goes to the box above.
    const shown = fields.filter((field) => stateOf(field).visible);
    const { byField, general } = placeErrors(failure.problem.errors ?? [], shown, label, t);
    form.setFields(fields.map((field) => ({ name: field.key, errors: byField.get(field.key) ?? [] })));
    const items = general.length || byField.size ? general : [failure.message];
    setProblem(items.length ? { title: t("fixErrors"), items } : null);
    message.error(t("fixErrors"));
  };

  const save = async () => {
    if (inFlight.current) return; // one request at a time: no double post
    inFlight.current = true;
    setSaving(true);
    setProblem(null);
    try {
      const body = buildPayload(fields, form.getFieldsValue(true) as Values, sends, record);
      const saved = await (record
        ? api.updateRecord(app, entity.key, record.id, body)
        : api.createRecord(app, entity.key, body, submission.keyFor(body)));
      submission.succeeded();
      message.success(t("saved"));
      onSaved(saved);
    } catch (failure) {
      inFlight.current = false;
      setSaving(false);
      if (failure instanceof ApiError && failure.status === 422) {
        showProblem(failure);
      } else if (failure instanceof ApiError && failure.status === 409 && onConflict) {
        message.warning(t("recordChanged"));
        onConflict();
      } else {
        const title = failure instanceof ApiError ? failure.problem.title : undefined;
        setProblem({
          title: title || t("saveFailed"),
          items: [failure instanceof Error ? failure.message : String(failure)],
        });
      }
    }
  };

  /** After a change of `changed`; `source`: the link whose pick filled them, which they do not clear. */
  const onValuesChange = (changed: Values, source?: string) => {
    const keys = Object.keys(changed);
    onChanged(keys, live.schedule());
    // A server error no longer applies once its field is edited.
    form.setFields(keys.map((name) => ({ name, errors: [] })));
    // A link filtered by a changed field (a contact of the customer) may no longer fit: it is
    // cleared, rather than refused by the save (another customer's contact).
    const stale = fields.filter(
      (field) =>
        !(field.key in changed) &&
        field.key !== source &&
        Object.values(field.filter_by ?? {}).some((key) => key in changed) &&
        sends(field) &&
        !isEmpty(form.getFieldValue(field.key)),
    );
    if (stale.length) {
      const cleared = Object.fromEntries(stale.map((field) => [field.key, null]));
      form.setFieldsValue(cleared);
      onValuesChange(cleared);
    }
  };
  fillRef.current = (values: Values, source?: string) => {
    // Only fields the user may write here take a filled value (as a preset), and only a
    // value that differs is a change (the same customer filled again keeps its contact).
    const writable = Object.fromEntries(
      Object.entries(values).filter(
        ([key, value]) =>
          fields.some((field) => field.key === key && sends(field)) &&
          JSON.stringify(form.getFieldValue(key) ?? null) !== JSON.stringify(value ?? null),
      ),
    );
    if (!Object.keys(writable).length) return;
    form.setFieldsValue(writable);
    onValuesChange(writable, source);
  };

  // A new record's defaults, expressions included (`=TODAY()`, `=CURRENT_USER()`), come
  // from the server's first answer; a field the user has filled meanwhile keeps its value.
  const defaultsApplied = useRef(false);
  useEffect(() => {
    const defaults = live.preview?.defaults;
    if (record || defaultsApplied.current || !defaults) return;
    defaultsApplied.current = true;
    const current = form.getFieldsValue(true) as Values;
    const blank = Object.fromEntries(
      Object.entries(defaults).filter(
        ([key]) => current[key] === undefined && fields.some((field) => field.key === key && isEditable(field)),
      ),
    );
    if (Object.keys(blank).length) form.setFieldsValue(blank);
  }, [live.preview, record, form, fields]);

  // Save validates against the server's answer for the values as they are: a click right
  // after a change (a customer picked) waits for it, else a field that the change made
  // optional (the lead, once a customer is linked) would still be refused as required.
  const [submitAsked, setSubmitAsked] = useState(0);
  useEffect(() => {
    if (submitAsked) form.submit();
  }, [submitAsked, form]);
  const requestSave = () => {
    onLeaveAll();
    void live.settle().then(() => setSubmitAsked((count) => count + 1));
  };

  /** Enter inside a field never submits the form (a date typed and confirmed, a search picked). */
  const keepEnter = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.preventDefault();
  };

  // Beside the title on a desktop; on a phone in the bottom bar, within reach however long the form.
  const buttons = (
    <Space className={phone ? "fw-bar-buttons" : undefined}>
      <Button onClick={onCancel}>{canSave ? t("cancel") : t("back")}</Button>
      {canSave && (
        <Button type="primary" loading={saving} disabled={saving} data-testid="save-record" onClick={requestSave}>
          {t("save")}
        </Button>
      )}
    </Space>
  );

  return (
    <FieldEnvironmentContext.Provider value={environment}>
      <FormPreviewContext.Provider value={live.preview}>
        <Form<Values>
          form={form}
          className={phone ? "fw-has-bottom-bar" : undefined}
          name="record"
          layout="vertical"
          initialValues={initialValues}
          onFinish={save}
          onFinishFailed={() => message.error(t("fixErrors"))}
          onValuesChange={(changed: Values) => onValuesChange(changed)}
          data-testid="record-form"
        >
          <Flex justify="space-between" align="center" wrap className="fw-gap">
            <Typography.Title level={4} className="fw-flush" data-testid="form-title">
              {label(entity.label, entity.key)} · {record ? t(canSave ? "editRecord" : "viewRecord") : t("newRecord")}
            </Typography.Title>
            {!phone && buttons}
          </Flex>
          {extra}
          {problem && (
            <Alert
              type="error"
              showIcon
              className="fw-gap"
              data-testid="form-errors"
              title={problem.title}
              description={
                <ul className="fw-flush">
                  {problem.items.map((text) => (
                    <li key={text}>{text}</li>
                  ))}
                </ul>
              }
            />
          )}
          <div onKeyDown={keepEnter}>
            {sections.map((section, index) => (
              <SectionCard key={index} section={section} stateOf={stateOf} locked={locked} tools={tools} />
            ))}
          </div>
          {phone && <BottomBar testId="form-bar">{buttons}</BottomBar>}
        </Form>
      </FormPreviewContext.Provider>
    </FieldEnvironmentContext.Provider>
  );
}
