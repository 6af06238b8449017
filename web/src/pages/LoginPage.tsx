import { Alert, Button, Card, Form, Input } from "antd";
import { useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { api, session } from "../api/client";
import type { LoginRedirectState } from "../components/RequireAuth";
import { useI18n } from "../hooks/useI18n";

interface Credentials {
  tenant: string;
  username: string;
  password: string;
}

export function LoginPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ tenant, username, password }: Credentials) => {
    setBusy(true);
    setError(undefined);
    try {
      session.save(await api.login(tenant, username, password));
      const from = (location.state as LoginRedirectState | null)?.from;
      navigate(from && from !== "/login" ? from : "/", { replace: true });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <div className="fw-login">
      <Card title={t("loginTitle")} className="fw-login-card">
        {error && (
          <Alert
            type="error"
            showIcon
            className="fw-gap"
            data-testid="login-error"
            title={t("loginFailed")}
            description={error}
          />
        )}
        <Form<Credentials> layout="vertical" initialValues={{ tenant: "demo" }} onFinish={submit} requiredMark={false}>
          <Form.Item
            name="tenant"
            label={t("tenant")}
            rules={[{ required: true, message: t("pleaseEnter", { field: t("tenant") }) }]}
          >
            <Input autoComplete="organization" />
          </Form.Item>
          <Form.Item
            name="username"
            label={t("username")}
            rules={[{ required: true, message: t("pleaseEnter", { field: t("username") }) }]}
          >
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t("password")}
            rules={[{ required: true, message: t("pleaseEnter", { field: t("password") }) }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            {t("login")}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
