import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Flex, Popconfirm, Switch, Table, Tag, Tooltip, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import dayjs from "dayjs";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError } from "../../api/client";
import { rulesApi, type RuleDef, type RuleStats } from "../../api/rules";
import { findEntity } from "../../definition";
import { useI18n } from "../../hooks/useI18n";
import { useLoader } from "../../hooks/useLoader";
import { useDesign } from "../context";
import { useRuleDesign } from "./context";
import { placeRule, withoutRule } from "./ruleDraft";
import { RunsDrawer } from "./RunsDrawer";

interface Row {
  rule: RuleDef;
  stats?: RuleStats;
  /** In the draft only: not running yet. */
  unpublished: boolean;
}

/**
 * The app's rules as the draft has them, with the published ones' run
 * statistics: enabled switch, trigger, last run, failures. A row opens its
 * run log; the pencil opens the editor.
 */
export function RuleList() {
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const { app, working, published, changed, saveDraft, publish } = useDesign();
  const { catalogue } = useRuleDesign();
  const { data, loading, reload } = useLoader(() => rulesApi.published(app), [app, published.version]);
  const [runsOf, setRunsOf] = useState<RuleDef>();
  const [busy, setBusy] = useState<string>();

  const stats = new Map((data?.rules ?? []).map((item) => [item.rule.key, item.stats]));
  const rows: Row[] = (working.rules ?? []).map((rule) => ({
    rule,
    stats: stats.get(rule.key),
    unpublished: !(published.rules ?? []).some((candidate) => candidate.key === rule.key),
  }));

  /**
   * Writes a change of the list into the draft. When the draft held nothing
   * else, it is published at once (a switch that does nothing until some
   * later publish would surprise); otherwise the draft bar offers the publish.
   */
  const apply = async (key: string, next: typeof working, done: string) => {
    setBusy(key);
    try {
      const alone = !changed;
      await saveDraft(next);
      if (alone) await publish();
      message.success(alone ? done : t("ruleSavedDraft"));
      reload();
    } catch (error) {
      message.error(error instanceof ApiError ? error.message : String(error));
    } finally {
      setBusy(undefined);
    }
  };

  const columns: ColumnsType<Row> = [
    {
      key: "key",
      title: t("ruleKey"),
      render: (_, row) => (
        <Flex gap={4} align="center">
          <Typography.Text code>{row.rule.key}</Typography.Text>
          {row.unpublished && <Tag color="orange">{t("unpublished")}</Tag>}
        </Flex>
      ),
    },
    { key: "label", title: t("ruleLabel"), render: (_, row) => label(row.rule.label, row.rule.key) },
    {
      key: "entity",
      title: t("entity"),
      render: (_, row) => label(findEntity(working, row.rule.entity)?.label, row.rule.entity),
    },
    {
      key: "trigger",
      title: t("trigger"),
      render: (_, row) => label(catalogue.triggers.find((entry) => entry.key === row.rule.trigger.on)?.label, row.rule.trigger.on),
    },
    {
      key: "enabled",
      title: t("enabled"),
      render: (_, row) => (
        <Switch
          size="small"
          checked={row.rule.enabled !== false}
          loading={busy === row.rule.key}
          data-testid={`rule-enabled-${row.rule.key}`}
          onClick={(checked, event) => {
            event.stopPropagation();
            const changedRule = { ...row.rule, enabled: checked };
            void apply(row.rule.key, placeRule(working, changedRule, row.rule.key).definition, checked ? t("ruleEnabled") : t("ruleDisabled"));
          }}
        />
      ),
    },
    {
      key: "last_run",
      title: t("lastRun"),
      render: (_, row) => {
        const at = row.stats?.last_run_at;
        if (!at) return "—";
        const text = dayjs(at).format("YYYY-MM-DD HH:mm");
        return row.stats?.last_error ? (
          <Tooltip title={row.stats.last_error}>
            <Typography.Text type="danger">{text}</Typography.Text>
          </Tooltip>
        ) : (
          text
        );
      },
    },
    { key: "runs", title: t("runs"), render: (_, row) => row.stats?.runs ?? 0 },
    {
      key: "failures",
      title: t("failures"),
      render: (_, row) => {
        const failures = row.stats?.failures ?? 0;
        return failures ? <Tag color="red">{failures}</Tag> : 0;
      },
    },
    {
      key: "edit",
      fixed: "right",
      render: (_, row) => (
        <Flex gap={4} onClick={(event) => event.stopPropagation()}>
          <Button
            size="small"
            icon={<EditOutlined />}
            aria-label={t("editRecord")}
            data-testid={`rule-edit-${row.rule.key}`}
            onClick={() => navigate(encodeURIComponent(row.rule.key))}
          />
          <Popconfirm
            title={t("deleteRuleConfirm")}
            onConfirm={() => apply(row.rule.key, withoutRule(working, row.rule.key), t("ruleDeleted"))}
          >
            <Button size="small" danger icon={<DeleteOutlined />} aria-label={t("remove")} data-testid={`rule-delete-${row.rule.key}`} />
          </Popconfirm>
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" className="fw-gap">
        <Typography.Title level={4} className="fw-flush">
          {t("designRules")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate("new")} data-testid="rule-new">
          {t("newRule")}
        </Button>
      </Flex>
      <Table<Row>
        data-testid="rule-table"
        rowKey={(row) => row.rule.key}
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("noRules") }}
        onRow={(row) => ({ onClick: () => setRunsOf(row.rule), className: "fw-clickable" })}
      />
      {runsOf && <RunsDrawer app={app} rule={runsOf} onClose={() => setRunsOf(undefined)} />}
    </>
  );
}
