import { ExperimentOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, List, Select, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import { rulesApi, type DryRun, type RuleDef } from "../../api/rules";
import type { EntityDef, RecordData } from "../../api/types";
import { useI18n } from "../../hooks/useI18n";
import { ProblemList } from "../DraftBar";
import { useRuleDesign } from "./context";

/** Searches go to the server after this pause in typing. */
const SEARCH_DELAY_MS = 250;

function recordTitle(entity: EntityDef, record: RecordData): string {
  const title = entity.title_field ? record[entity.title_field] : undefined;
  return title ? `${String(title)} (#${record.id})` : `#${record.id}`;
}

/** A select of the entity's records, searched on the server as the user types. */
function RecordPicker({ app, entity, value, onChange }: { app: string; entity: EntityDef; value?: number; onChange: (id?: number) => void }) {
  const { t } = useI18n();
  const [q, setQ] = useState("");
  const [options, setOptions] = useState<{ value: number; label: string }[]>([]);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    let current = true;
    const timer = window.setTimeout(() => {
      setLoading(true);
      api.listRecords(app, entity.key, { q, page_size: 20 }).then(
        (page) => {
          if (!current) return;
          setOptions(page.items.map((record) => ({ value: record.id, label: recordTitle(entity, record) })));
          setLoading(false);
        },
        () => current && setLoading(false),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [app, entity, q]);
  return (
    <Select<number>
      className="fw-record-picker"
      showSearch={{ filterOption: false, onSearch: setQ }}
      allowClear
      loading={loading}
      placeholder={t("pickRecord")}
      data-testid="dry-run-record"
      value={value}
      options={options.map((option) => ({ ...option, "data-testid": `dry-run-record-${option.value}` }))}
      onChange={(next) => onChange(next ?? undefined)}
    />
  );
}

/**
 * "Try it on a record": runs the rule as it stands in the editor against one
 * record, writing nothing, and shows whether it matches and what each effect
 * would do with which values.
 */
export function DryRunPanel({ app, entity, rule }: { app: string; entity: EntityDef | undefined; rule: RuleDef }) {
  const { t, label } = useI18n();
  const { catalogue } = useRuleDesign();
  const [record, setRecord] = useState<number>();
  const [result, setResult] = useState<DryRun>();
  const [failure, setFailure] = useState<unknown>();
  const [running, setRunning] = useState(false);
  if (!entity) return null;
  const effectLabel = (type: string) => {
    const entry = catalogue.effects.find((candidate) => candidate.key === type);
    return label(entry?.label, type);
  };
  const run = async () => {
    if (record === undefined) return;
    setRunning(true);
    try {
      setResult(await rulesApi.dryRun(app, rule, record));
      setFailure(undefined);
    } catch (error) {
      setResult(undefined);
      setFailure(error);
    } finally {
      setRunning(false);
    }
  };
  return (
    <Card size="small" title={t("tryOnRecord")} data-testid="dry-run">
      <Flex gap="small" wrap className="fw-gap">
        <RecordPicker app={app} entity={entity} value={record} onChange={setRecord} />
        <Button icon={<ExperimentOutlined />} disabled={record === undefined} loading={running} onClick={run} data-testid="dry-run-go">
          {t("tryIt")}
        </Button>
      </Flex>
      {failure !== undefined && <ProblemList error={failure} />}
      {result && (
        <Flex vertical gap="small" data-testid="dry-run-result" data-matched={String(result.matched)}>
          {result.error && <Alert type="error" showIcon message={result.error} />}
          <div>
            {result.matched ? <Tag color="green">{t("dryRunMatched")}</Tag> : <Tag>{t("dryRunNotMatched")}</Tag>}
            {result.when !== null && (
              <Typography.Text type="secondary">
                {t("conditionIs", { value: result.when ? t("yes") : t("no") })}
              </Typography.Text>
            )}
          </div>
          {result.effects.length > 0 && (
            <List
              size="small"
              bordered
              dataSource={result.effects}
              renderItem={(effect) => (
                <List.Item data-testid={`dry-run-effect-${effect.index}`}>
                  <Flex vertical gap={4} className="fw-full-width">
                    <span>
                      <Tag color="blue">{effectLabel(effect.type)}</Tag> {effect.summary}
                    </span>
                    {effect.details !== undefined && effect.details !== null && (
                      <pre className="fw-pre">{JSON.stringify(effect.details, null, 2)}</pre>
                    )}
                  </Flex>
                </List.Item>
              )}
            />
          )}
        </Flex>
      )}
    </Card>
  );
}
