import { App as AntApp, Button, Card, Flex, Form, Input, Spin, Tag, Typography } from "antd";
import { useState } from "react";
import { messagingApi, type Channel } from "../api/messaging";
import { LoadError } from "../components/LoadError";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { errorsByPath } from "../schemaForm/errors";
import { SchemaForm, type PathErrors } from "../schemaForm/SchemaForm";

/**
 * One channel's settings: its configuration drawn from its schema, and its
 * secret (an SMTP password, an auth header) as a write-only field: the page
 * only knows whether one is set, and sends one only when typed.
 */
function ChannelCard({ channel, onSaved }: { channel: Channel; onSaved: () => void }) {
  const { t, label } = useI18n();
  const { message } = AntApp.useApp();
  const [config, setConfig] = useState<Record<string, unknown>>(channel.settings.config ?? {});
  const [secret, setSecret] = useState("");
  const [saving, setSaving] = useState(false);
  const [errors, setErrors] = useState<PathErrors>(new Map());
  const [failure, setFailure] = useState<string>();
  const save = async () => {
    setSaving(true);
    try {
      await messagingApi.saveChannel(channel.key, secret ? { config, secret } : { config });
      setSecret("");
      setErrors(new Map());
      setFailure(undefined);
      message.success(t("saved"));
      onSaved();
    } catch (error) {
      setErrors(errorsByPath(error));
      setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  };
  const secretId = `fw-channel-${channel.key}-secret`;
  const schema = channel.config_schema ?? channel.schema;
  return (
    <Card
      title={label(channel.label, channel.key)}
      data-testid={`channel-${channel.key}`}
      extra={
        <Tag color={channel.settings.has_secret ? "green" : "default"} data-testid={`channel-${channel.key}-secret-state`}>
          {channel.settings.has_secret ? t("secretSet") : t("secretNotSet")}
        </Tag>
      }
    >
      {schema ? (
        <SchemaForm schema={schema} value={config} onChange={setConfig} path="$.config" errors={errors} />
      ) : (
        <Typography.Paragraph type="secondary">{t("channelNoSettings")}</Typography.Paragraph>
      )}
      <Form layout="vertical" component="div">
        <Form.Item label={t("secret")} htmlFor={secretId} extra={t("secretHint")}>
          <Input.Password
            id={secretId}
            autoComplete="new-password"
            value={secret}
            placeholder={channel.settings.has_secret ? t("secretReplace") : ""}
            onChange={(event) => setSecret(event.target.value)}
          />
        </Form.Item>
      </Form>
      {failure && <Typography.Paragraph type="danger">{failure}</Typography.Paragraph>}
      <Button type="primary" loading={saving} onClick={save} data-testid={`channel-${channel.key}-save`}>
        {t("save")}
      </Button>
    </Card>
  );
}

/** `/admin/channels`: one card per channel the server offers, each with its own form. */
export function ChannelsPage() {
  const { t } = useI18n();
  const { data, error, reload } = useLoader(messagingApi.channels, []);
  if (error) return <LoadError error={error} />;
  return (
    <div className="fw-page">
      <Typography.Title level={3}>{t("channels")}</Typography.Title>
      {!data ? (
        <Spin className="fw-center" />
      ) : (
        <Flex vertical gap="middle">
          {data.map((channel) => (
            <ChannelCard key={`${channel.key}-${JSON.stringify(channel.settings)}`} channel={channel} onSaved={reload} />
          ))}
        </Flex>
      )}
    </div>
  );
}
