import { App as AntApp, Alert, Button, Card, Col, Flex, Form, Input, Row, Select, Switch, Typography } from "antd";
import { useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../../api/client";
import type { RuleDef } from "../../api/rules";
import { NotFound } from "../../components/LoadError";
import { findEntity } from "../../definition";
import { useI18n } from "../../hooks/useI18n";
import { errorsByPath } from "../../schemaForm/errors";
import { pathId, SchemaForm } from "../../schemaForm/SchemaForm";
import { useDesign } from "../context";
import { ConditionEditor } from "./ConditionEditor";
import { useRuleDesign } from "./context";
import { DryRunPanel } from "./DryRunPanel";
import { EffectsEditor } from "./EffectsEditor";
import { blankRule, cleanRule, placeRule, RULE_PATH, ruleErrors } from "./ruleDraft";
import { ruleWidgets } from "./widgets";

/** The server's messages for exactly `path` (of the rule), joined for a form item. */
function messagesAt(errors: ReadonlyMap<string, string[]>, path: string): string | undefined {
  const found = errors.get(path);
  return found?.length ? found.join("; ") : undefined;
}

/**
 * One rule, created or edited: entity, trigger with its settings, the
 * condition, the effects, a dry run; saved into the draft, and published
 * in the same click when asked.
 */
function Editor({ original, initial }: { original?: string; initial: RuleDef }) {
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const { app, working, saveDraft, publish } = useDesign();
  const { catalogue } = useRuleDesign();
  const [rule, setRule] = useState<RuleDef>(initial);
  const [errors, setErrors] = useState<Map<string, string[]>>(new Map());
  const [others, setOthers] = useState<[string, string[]][]>([]);
  const [failure, setFailure] = useState<string>();
  const [saving, setSaving] = useState<"draft" | "publish">();
  const entity = findEntity(working, rule.entity);
  const trigger = catalogue.triggers.find((entry) => entry.key === rule.trigger.on);
  const update = (changes: Partial<RuleDef>) => setRule((current) => ({ ...current, ...changes }));

  const widget = useMemo(
    () =>
      ruleWidgets({
        app,
        definition: working,
        entity: rule.entity,
        trigger: rule.trigger,
        recipientsSchema: catalogue.recipients,
        errors,
      }),
    [app, working, rule.entity, rule.trigger, catalogue.recipients, errors],
  );

  const save = async (andPublish: boolean) => {
    const cleaned = cleanRule(rule);
    const { definition, index } = placeRule(working, cleaned, original);
    setSaving(andPublish ? "publish" : "draft");
    try {
      await saveDraft(definition);
      if (andPublish) await publish();
      setErrors(new Map());
      setOthers([]);
      setFailure(undefined);
      message.success(andPublish ? t("rulePublished") : t("ruleSavedDraft"));
      navigate("..", { relative: "path" });
    } catch (error) {
      const { mine, others: rest } = ruleErrors(errorsByPath(error), index);
      setErrors(mine);
      setOthers(rest);
      setFailure(error instanceof ApiError ? error.message : String(error));
    } finally {
      setSaving(undefined);
    }
  };

  const idOf = (part: string) => pathId(`${RULE_PATH}.${part}`);
  return (
    <Flex vertical gap="middle" data-testid="rule-editor">
      <Typography.Title level={4} className="fw-flush">
        {original ? t("editRule", { rule: label(initial.label, initial.key) }) : t("newRule")}
      </Typography.Title>
      <Card size="small" title={t("ruleBasics")}>
        <Form layout="vertical" component="div">
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item
                label={t("ruleKey")}
                htmlFor={idOf("key")}
                required
                validateStatus={messagesAt(errors, `${RULE_PATH}.key`) ? "error" : undefined}
                help={messagesAt(errors, `${RULE_PATH}.key`)}
              >
                <Input id={idOf("key")} value={rule.key} onChange={(event) => update({ key: event.target.value.trim() })} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label={t("labelEn")} htmlFor={idOf("label-en")}>
                <Input
                  id={idOf("label-en")}
                  value={rule.label.en ?? ""}
                  onChange={(event) => update({ label: { ...rule.label, en: event.target.value } })}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label={t("labelZh")} htmlFor={idOf("label-zh")}>
                <Input
                  id={idOf("label-zh")}
                  value={rule.label["zh-CN"] ?? ""}
                  onChange={(event) => update({ label: { ...rule.label, "zh-CN": event.target.value } })}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={16}>
              <Form.Item
                label={t("entity")}
                htmlFor={idOf("entity")}
                required
                validateStatus={messagesAt(errors, `${RULE_PATH}.entity`) ? "error" : undefined}
                help={messagesAt(errors, `${RULE_PATH}.entity`)}
              >
                <Select
                  id={idOf("entity")}
                  showSearch={{ optionFilterProp: "label" }}
                  value={rule.entity || undefined}
                  // Another entity has other fields: settings naming fields start again.
                  onChange={(next: string) => update({ entity: next, trigger: { on: rule.trigger.on }, effects: [] })}
                  options={working.entities.map((item) => ({
                    value: item.key,
                    label: label(item.label, item.key),
                    "data-testid": `entity-option-${item.key}`,
                  }))}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label={t("enabled")} htmlFor={idOf("enabled")}>
                <Switch id={idOf("enabled")} checked={rule.enabled !== false} onChange={(next) => update({ enabled: next })} />
              </Form.Item>
            </Col>
          </Row>
        </Form>
      </Card>

      <Card size="small" title={t("trigger")}>
        <Form layout="vertical" component="div">
          <Form.Item
            label={t("triggerType")}
            htmlFor={idOf("trigger-on")}
            required
            validateStatus={messagesAt(errors, `${RULE_PATH}.trigger.on`) ?? messagesAt(errors, `${RULE_PATH}.trigger`) ? "error" : undefined}
            help={messagesAt(errors, `${RULE_PATH}.trigger.on`) ?? messagesAt(errors, `${RULE_PATH}.trigger`)}
            extra={trigger?.description ? label(trigger.description, "") : undefined}
          >
            <Select
              id={idOf("trigger-on")}
              data-testid="trigger-type"
              value={rule.trigger.on || undefined}
              onChange={(next: string) => update({ trigger: { on: next } })}
              options={catalogue.triggers.map((entry) => ({
                value: entry.key,
                label: label(entry.label, entry.key),
                "data-testid": `trigger-option-${entry.key}`,
              }))}
            />
          </Form.Item>
        </Form>
        <SchemaForm
          schema={trigger?.schema}
          value={rule.trigger}
          onChange={(next) => update({ trigger: { ...next, on: rule.trigger.on } })}
          path={`${RULE_PATH}.trigger`}
          omit={["on"]}
          widget={widget}
          errors={errors}
        />
      </Card>

      <Card size="small" title={t("condition")}>
        <Form layout="vertical" component="div">
          <Form.Item
            label={t("conditionLabel")}
            htmlFor={idOf("when")}
            extra={t("conditionHint")}
            validateStatus={messagesAt(errors, `${RULE_PATH}.when`) ? "error" : undefined}
            help={messagesAt(errors, `${RULE_PATH}.when`)}
          >
            <ConditionEditor
              app={app}
              entity={rule.entity}
              trigger={rule.trigger}
              id={idOf("when")}
              value={rule.when ?? ""}
              onChange={(next) => update({ when: next })}
            />
          </Form.Item>
        </Form>
      </Card>

      <Card size="small" title={t("effects")}>
        <EffectsEditor
          effects={rule.effects}
          onChange={(effects) => update({ effects })}
          path={`${RULE_PATH}.effects`}
          widget={widget}
          errors={errors}
        />
      </Card>

      <DryRunPanel app={app} entity={entity} rule={cleanRule(rule)} />

      {failure && (
        <Alert
          type="error"
          showIcon
          data-testid="rule-errors"
          message={failure}
          description={
            (errors.size > 0 || others.length > 0) && (
              <ul className="fw-problem-list">
                {[...errors.entries(), ...others].map(([path, messages]) => (
                  <li key={path}>
                    <Typography.Text code>{path}</Typography.Text> {messages.join("; ")}
                  </li>
                ))}
              </ul>
            )
          }
        />
      )}

      <Flex gap="small" justify="flex-end" className="fw-sticky-actions">
        <Button onClick={() => navigate("..", { relative: "path" })}>{t("cancel")}</Button>
        <Button loading={saving === "draft"} disabled={!!saving} onClick={() => save(false)} data-testid="rule-save-draft">
          {t("saveDraft")}
        </Button>
        <Button
          type="primary"
          loading={saving === "publish"}
          disabled={!!saving}
          onClick={() => save(true)}
          data-testid="rule-save-publish"
        >
          {t("saveAndPublish")}
        </Button>
      </Flex>
    </Flex>
  );
}

/** `…/rules/new` and `…/rules/:key`: the editor of a new rule or of one in the working definition. */
export function RuleEditor() {
  const { key } = useParams();
  const { working } = useDesign();
  if (key === undefined) return <Editor initial={blankRule(working.entities[0]?.key ?? "")} />;
  const existing = working.rules?.find((rule) => rule.key === key);
  if (!existing) return <NotFound />;
  return <Editor key={key} original={key} initial={existing} />;
}
