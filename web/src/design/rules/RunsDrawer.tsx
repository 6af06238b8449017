import { Drawer, Table, Tag, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import dayjs from "dayjs";
import { useState } from "react";
import { Link } from "react-router-dom";
import { rulesApi, type RuleDef, type RuleRun } from "../../api/rules";
import { LoadError } from "../../components/LoadError";
import { useI18n } from "../../hooks/useI18n";
import { useLoader } from "../../hooks/useLoader";

const OUTCOME_COLORS: Record<string, string> = { ok: "green", success: "green", skipped: "default", failed: "red", error: "red" };

/** A rule's run log, newest first: the record, the trigger, the outcome, the error, the effects run. */
export function RunsDrawer({ app, rule, onClose }: { app: string; rule: RuleDef; onClose: () => void }) {
  const { t, label } = useI18n();
  const [page, setPage] = useState(1);
  const { data, error, loading } = useLoader(() => rulesApi.runs(app, rule.key, page), [app, rule.key, page]);
  const items = data?.items ?? [];
  const pageSize = data?.page_size ?? 20;
  const columns: ColumnsType<RuleRun> = [
    { key: "at", title: t("time"), render: (_, run) => dayjs(run.at).format("YYYY-MM-DD HH:mm:ss") },
    {
      key: "record",
      title: t("record"),
      render: (_, run) =>
        run.record_id == null ? (
          "—"
        ) : (
          <Link to={`/apps/${encodeURIComponent(app)}/${encodeURIComponent(rule.entity)}/${run.record_id}`}>#{run.record_id}</Link>
        ),
    },
    { key: "trigger", title: t("trigger"), dataIndex: "trigger" },
    {
      key: "outcome",
      title: t("outcome"),
      render: (_, run) => <Tag color={OUTCOME_COLORS[run.outcome] ?? "default"}>{run.outcome}</Tag>,
    },
    { key: "error", title: t("error"), dataIndex: "error" },
    {
      key: "effects",
      title: t("effects"),
      render: (_, run) =>
        run.effects === undefined || run.effects === null ? "—" : <pre className="fw-pre">{JSON.stringify(run.effects, null, 2)}</pre>,
    },
  ];
  return (
    <Drawer open size={840} onClose={onClose} title={t("runsOf", { rule: label(rule.label, rule.key) })} data-testid="rule-runs">
      {error ? (
        <LoadError error={error} />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{rule.key}</Typography.Paragraph>
          <Table<RuleRun>
            size="small"
            rowKey="id"
            loading={loading}
            columns={columns}
            dataSource={items}
            scroll={{ x: "max-content" }}
            pagination={{
              current: page,
              pageSize,
              // Without a total, another page is there as long as this one is full.
              total: (page - 1) * pageSize + items.length + (items.length === pageSize ? 1 : 0),
              showSizeChanger: false,
              onChange: setPage,
            }}
          />
        </>
      )}
    </Drawer>
  );
}
