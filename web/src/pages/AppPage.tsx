import { Layout, Menu, Spin, Typography } from "antd";
import { Navigate, Outlet, useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import { LoadError, NotFound } from "../components/LoadError";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";
import { useI18n } from "../hooks/useI18n";

/** `/apps/:app` alone opens the app's first entity. */
export function FirstEntityRedirect() {
  const definition = useAppDefinition();
  const first = definition.entities[0];
  return first ? <Navigate to={first.key} replace /> : <NotFound />;
}

/** An app: its entities in a side menu, the selected entity's page beside it. */
export function AppPage() {
  const { app = "", entity } = useParams();
  const { label } = useI18n();
  const navigate = useNavigate();
  const { data: definition, error } = useLoader(() => api.definition(app), [app]);

  if (error) return <LoadError error={error} />;
  if (!definition || definition.key !== app) return <Spin className="fw-center" />;

  return (
    <Layout className="fw-app">
      <Layout.Sider theme="light" width={220} breakpoint="md" collapsedWidth={0}>
        <Typography.Title level={5} className="fw-app-title" data-testid="app-title">
          {label(definition.label, definition.key)}
        </Typography.Title>
        <Menu
          mode="inline"
          style={{ borderInlineEnd: "none" }}
          data-testid="entity-menu"
          selectedKeys={entity ? [entity] : []}
          items={definition.entities.map((item) => ({ key: item.key, label: label(item.label, item.key) }))}
          onClick={({ key }) => navigate(`/apps/${encodeURIComponent(app)}/${encodeURIComponent(key)}`)}
        />
      </Layout.Sider>
      <Layout.Content className="fw-page">
        <Outlet context={definition} />
      </Layout.Content>
    </Layout>
  );
}
