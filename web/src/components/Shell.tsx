import { LogoutOutlined, UserOutlined } from "@ant-design/icons";
import { Button, Layout, Space, Typography } from "antd";
import { Link, Outlet, useNavigate } from "react-router-dom";
import { AdminMenu } from "../admin/AdminMenu";
import { logout as endSession, session } from "../api/client";
import { useI18n } from "../hooks/useI18n";
import { NotificationBell } from "../notifications/NotificationBell";
import { LanguageSwitch } from "./LanguageSwitch";
import { ScrollToTop } from "./ScrollToTop";

function UserBox() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const user = session.user();
  if (!session.token() || !user) return null;
  const logout = async () => {
    await endSession();
    navigate("/login");
  };
  return (
    <Space>
      <AdminMenu />
      <NotificationBell />
      <Typography.Text data-testid="current-user" title={user.display_name || user.username}>
        <UserOutlined /> <span className="fw-wide-only">{user.display_name || user.username}</span>
      </Typography.Text>
      <Button size="small" icon={<LogoutOutlined />} onClick={logout} aria-label={t("logout")} title={t("logout")}>
        <span className="fw-wide-only">{t("logout")}</span>
      </Button>
    </Space>
  );
}

/** Page frame: header with brand, language switch, the admin menu, the notification bell and the signed-in user. */
export function Shell() {
  const { t } = useI18n();
  return (
    <Layout className="fw-shell">
      <ScrollToTop />
      <Layout.Header className="fw-header">
        <Link to="/" className="fw-brand">
          {t("appTitle")}
        </Link>
        <Space size="middle">
          <LanguageSwitch />
          <UserBox />
        </Space>
      </Layout.Header>
      <Layout.Content className="fw-content">
        <Outlet />
      </Layout.Content>
    </Layout>
  );
}
