import { App as AntApp, Alert, Button, Flex, Tag, Typography } from "antd";
import { useState } from "react";
import { ApiError } from "../api/client";
import { useI18n } from "../hooks/useI18n";
import { useDesign } from "./context";

/** The problems a refused publish names, one per line. */
export function ProblemList({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const listed = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert
      type="error"
      showIcon
      data-testid="problem-list"
      message={message || t("saveFailed")}
      description={
        listed.length > 0 && (
          <ul className="fw-problem-list">
            {listed.map((item, index) => (
              <li key={index}>
                {item.field && <Typography.Text code>{item.field}</Typography.Text>} {item.message}
              </li>
            ))}
          </ul>
        )
      }
    />
  );
}

/** Top of the builder: whether the draft differs from what runs, and the Publish button. */
export function DraftBar() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { published, draft, changed, publish } = useDesign();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const run = async () => {
    setBusy(true);
    try {
      await publish();
      setFailure(undefined);
      message.success(t("publishedMessage"));
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Flex vertical gap="small" className="fw-draft-bar" data-testid="draft-bar">
      <Flex justify="space-between" align="center" gap="middle" wrap>
        <Flex gap="small" align="center" wrap>
          <Typography.Text type="secondary">
            {t("publishedVersion", { version: published.version })}
          </Typography.Text>
          {changed ? (
            <Tag color="orange" data-testid="draft-state" data-changed="true">
              {t("draftDiffers", { version: draft?.version ?? "" })}
            </Tag>
          ) : (
            <Tag color="green" data-testid="draft-state" data-changed="false">
              {t("draftSame")}
            </Tag>
          )}
        </Flex>
        <Button type="primary" disabled={!changed} loading={busy} onClick={run} data-testid="draft-publish">
          {t("publish")}
        </Button>
      </Flex>
      {failure !== undefined && <ProblemList error={failure} />}
    </Flex>
  );
}
