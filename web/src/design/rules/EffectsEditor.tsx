import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Dropdown, Empty, Flex, Tag, Tooltip, Typography } from "antd";
import { useRef, useState } from "react";
import type { EffectDef } from "../../api/rules";
import { useI18n } from "../../hooks/useI18n";
import { SchemaForm, type PathErrors, type WidgetResolver } from "../../schemaForm/SchemaForm";
import { useRuleDesign } from "./context";
import { moved } from "./ruleDraft";

/**
 * A rule's effects in order: each a card with its type's form (from the
 * catalogue's schema), moved up or down, removed; new ones added by type.
 */
export function EffectsEditor({
  effects,
  onChange,
  path,
  widget,
  errors,
}: {
  effects: EffectDef[];
  onChange: (next: EffectDef[]) => void;
  path: string;
  widget: WidgetResolver;
  errors: PathErrors;
}) {
  const { t, label } = useI18n();
  const { catalogue } = useRuleDesign();
  // Stable keys, so a moved card keeps its inputs' state (a half-typed JSON value, a check in flight).
  const counter = useRef(0);
  const fresh = () => (counter.current += 1);
  const [keys, setKeys] = useState<number[]>(() => effects.map(fresh));
  const shownKeys = keys.length === effects.length ? keys : effects.map(fresh);
  const change = (next: EffectDef[], nextKeys: number[]) => {
    setKeys(nextKeys);
    onChange(next);
  };
  const replace = (index: number, effect: EffectDef) => onChange(effects.map((item, at) => (at === index ? effect : item)));
  return (
    <Flex vertical gap="middle" data-testid="effects">
      {effects.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("noEffects")} />}
      {effects.map((effect, index) => {
        const entry = catalogue.effects.find((candidate) => candidate.key === effect.type);
        const effectPath = `${path}[${index}]`;
        const own = errors.get(effectPath) ?? errors.get(`${effectPath}.type`) ?? [];
        return (
          <Card
            key={shownKeys[index]}
            size="small"
            data-testid={`effect-${index}`}
            title={
              <Flex gap="small" align="center">
                <Typography.Text type="secondary">{index + 1}.</Typography.Text>
                <span>{label(entry?.label, effect.type)}</span>
                {entry?.leaves_machine && (
                  <Tooltip title={t("leavesMachineHint")}>
                    <Tag>{t("leavesMachine")}</Tag>
                  </Tooltip>
                )}
              </Flex>
            }
            extra={
              <Flex gap={4}>
                <Button
                  size="small"
                  icon={<ArrowUpOutlined />}
                  aria-label={t("moveUp")}
                  disabled={index === 0}
                  onClick={() => change(moved(effects, index, -1), moved(shownKeys, index, -1))}
                />
                <Button
                  size="small"
                  icon={<ArrowDownOutlined />}
                  aria-label={t("moveDown")}
                  disabled={index === effects.length - 1}
                  onClick={() => change(moved(effects, index, 1), moved(shownKeys, index, 1))}
                />
                <Button
                  size="small"
                  danger
                  icon={<DeleteOutlined />}
                  aria-label={t("remove")}
                  data-testid={`effect-${index}-remove`}
                  onClick={() =>
                    change(
                      effects.filter((_, at) => at !== index),
                      shownKeys.filter((_, at) => at !== index),
                    )
                  }
                />
              </Flex>
            }
          >
            {entry?.description && <Typography.Paragraph type="secondary">{label(entry.description, "")}</Typography.Paragraph>}
            {!entry && <Typography.Paragraph type="danger">{t("unknownType", { type: effect.type })}</Typography.Paragraph>}
            {own.length > 0 && <Typography.Paragraph type="danger">{own.join("; ")}</Typography.Paragraph>}
            <SchemaForm
              schema={entry?.schema}
              value={effect}
              onChange={(next) => replace(index, { ...next, type: effect.type })}
              path={effectPath}
              omit={["type"]}
              widget={widget}
              errors={errors}
            />
          </Card>
        );
      })}
      <Dropdown
        trigger={["click"]}
        menu={{
          items: catalogue.effects.map((entry) => ({
            key: entry.key,
            label: <span data-testid={`effect-add-${entry.key}`}>{label(entry.label, entry.key)}</span>,
          })),
          onClick: ({ key }) => {
            change([...effects, { type: key }], [...shownKeys, fresh()]);
          },
        }}
      >
        <Button icon={<PlusOutlined />} data-testid="effect-add">
          {t("addEffect")}
        </Button>
      </Dropdown>
    </Flex>
  );
}
