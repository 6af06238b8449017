import { Alert, App as AntApp, Button, Card, Col, Flex, Form, Row, Space, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, ApiError } from "../api/client";
import type { EntityDef, FieldDef, RecordData } from "../api/types";
import { formSections, literalDefaults, type Section } from "../definition";
import { FieldEnvironmentContext, type FieldEnvironment } from "../fields/context";
import { FieldInput } from "../fields/FieldInput";
import { isEditable } from "../fields/registry";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { buildPayload, placeErrors } from "../recordPayload";

type Values = Record<string, unknown>;

const GRID = 24;
/** Types that need the whole row whatever the section's column count. */
const FULL_WIDTH_TYPES = new Set(["subtable"]);

function spanOf(field: FieldDef, columns: number): number {
  return FULL_WIDTH_TYPES.has(field.type) ? GRID : Math.max(1, Math.floor(GRID / columns));
}

/**
 * One field: label, required marker, input, and the errors the server reported for it.
 * `visible_when` is not evaluated yet (every field shows); live evaluation belongs here.
 */
function FieldItem({ field }: { field: FieldDef }) {
  const { label } = useI18n();
  return (
    <Form.Item name={field.key} label={label(field.label, field.key)} required={field.required && isEditable(field)}>
      <FieldInput field={field} />
    </Form.Item>
  );
}

function SectionCard({ section }: { section: Section }) {
  const { label } = useI18n();
  return (
    <Card size="small" className="fw-gap" title={section.title ? label(section.title, "") : undefined}>
      <Row gutter={16}>
        {section.fields.map((field) => (
          <Col key={field.key} xs={GRID} md={spanOf(field, section.columns)} data-testid={`field-${field.key}`}>
            <FieldItem field={field} />
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
  onSaved: () => void;
  onCancel: () => void;
  /** Called after a 409: the record changed on the server and should be reloaded. */
  onConflict?: () => void;
}

/** Creates or edits one record, laid out by the entity's form definition. */
export function RecordForm({ app, entity, record, onSaved, onCancel, onConflict }: RecordFormProps) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<ProblemBox | null>(null);

  const sections = useMemo(() => formSections(definition, entity), [definition, entity]);
  const fields = useMemo(() => sections.flatMap((section) => section.fields), [sections]);
  const environment = useMemo<FieldEnvironment>(
    () => ({ app, definition, display: record?._display ?? {} }),
    [app, definition, record],
  );
  const initialValues = useMemo(
    () =>
      record ? Object.fromEntries(fields.map((field) => [field.key, record[field.key]])) : literalDefaults(fields),
    [fields, record],
  );

  const showProblem = (failure: ApiError) => {
    const { byField, general } = placeErrors(failure.problem.errors ?? [], fields, label, t);
    form.setFields(fields.map((field) => ({ name: field.key, errors: byField.get(field.key) ?? [] })));
    const items = general.length || byField.size ? general : [failure.message];
    setProblem(items.length ? { title: t("fixErrors"), items } : null);
    message.error(t("fixErrors"));
  };

  const save = async (values: Values) => {
    setSaving(true);
    setProblem(null);
    try {
      const body = buildPayload(fields, values, record);
      await (record ? api.updateRecord(app, entity.key, record.id, body) : api.createRecord(app, entity.key, body));
      message.success(t("saved"));
      onSaved();
    } catch (failure) {
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

  return (
    <FieldEnvironmentContext.Provider value={environment}>
      <Form<Values>
        form={form}
        name="record"
        layout="vertical"
        initialValues={initialValues}
        onFinish={save}
        // A server error no longer applies once its field is edited.
        onValuesChange={(changed: Values) => form.setFields(Object.keys(changed).map((name) => ({ name, errors: [] })))}
        data-testid="record-form"
      >
        <Flex justify="space-between" align="center" wrap className="fw-gap">
          <Typography.Title level={4} className="fw-flush" data-testid="form-title">
            {label(entity.label, entity.key)} · {record ? t("editRecord") : t("newRecord")}
          </Typography.Title>
          <Space>
            <Button onClick={onCancel}>{t("cancel")}</Button>
            <Button type="primary" htmlType="submit" loading={saving} data-testid="save-record">
              {t("save")}
            </Button>
          </Space>
        </Flex>
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
        {sections.map((section, index) => (
          <SectionCard key={index} section={section} />
        ))}
      </Form>
    </FieldEnvironmentContext.Provider>
  );
}
