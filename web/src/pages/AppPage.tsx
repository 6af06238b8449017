import { BuildOutlined, MenuOutlined } from "@ant-design/icons";
import { Button, Drawer, Grid, Layout, Menu, Spin, Typography } from "antd";
import { useState } from "react";
import { Link, Navigate, Outlet, useNavigate, useOutletContext, useParams } from "react-router-dom";
import { api } from "../api/client";
import { loadFieldCatalog } from "../catalog";
import { LoadError, NotFound } from "../components/LoadError";
import type { OpenApp } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";
import { useI18n } from "../hooks/useI18n";

/** Entities the caller may list or create records of: the ones the menu offers. */
function openEntities({ definition, access }: OpenApp) {
  return definition.entities.filter((entity) => {
    const rights = access.entities[entity.key];
    return rights && (rights.read !== false || rights.create);
  });
}

/** For admins: the way into the app's builder (`/design/:app`). */
function DesignLink({ app, admin }: { app: string; admin: boolean }) {
  const { t } = useI18n();
  if (!admin) return null;
  return (
    <Link to={`/design/${encodeURIComponent(app)}`} data-testid="design-app" className="fw-design-link">
      <BuildOutlined /> {t("design")}
    </Link>
  );
}

/** `/apps/:app` alone opens the app's first entity the caller may use. */
export function FirstEntityRedirect() {
  const first = openEntities(useOutletContext<OpenApp>())[0];
  return first ? <Navigate to={first.key} replace /> : <NotFound />;
}

/** An app: its entities in a side menu (in a drawer on phones), the selected entity's page beside it. */
export function AppPage() {
  const { app = "", entity } = useParams();
  const { label } = useI18n();
  const navigate = useNavigate();
  const narrow = Grid.useBreakpoint().md === false;
  const [drawerOpen, setDrawerOpen] = useState(false);
  // The pages inside need all three: what the app is, what the caller may do, which types are computed.
  const { data: opened, error } = useLoader(
    () =>
      Promise.all([api.definition(app), api.permissions(app), loadFieldCatalog()]).then(
        ([definition, access]): OpenApp => ({ definition, access }),
      ),
    [app],
  );

  if (error) return <LoadError error={error} />;
  if (!opened || opened.definition.key !== app) return <Spin className="fw-center" />;
  const { definition } = opened;
  const entities = openEntities(opened);
  const current = entities.find((item) => item.key === entity);
  const menu = (
    <Menu
      mode="inline"
      style={{ borderInlineEnd: "none" }}
      data-testid="entity-menu"
      selectedKeys={entity ? [entity] : []}
      items={entities.map((item) => ({ key: item.key, label: label(item.label, item.key) }))}
      onClick={({ key }) => {
        setDrawerOpen(false);
        navigate(`/apps/${encodeURIComponent(app)}/${encodeURIComponent(key)}`);
      }}
    />
  );

  if (narrow) {
    return (
      <Layout className="fw-app">
        <Layout.Content className="fw-page">
          <Button
            icon={<MenuOutlined />}
            className="fw-gap"
            data-testid="entity-menu-button"
            onClick={() => setDrawerOpen(true)}
          >
            {label(definition.label, definition.key)}
            {current ? ` · ${label(current.label, current.key)}` : ""}
          </Button>
          <Drawer
            placement="left"
            size={260}
            open={drawerOpen}
            onClose={() => setDrawerOpen(false)}
            styles={{ body: { padding: 0 } }}
            title={label(definition.label, definition.key)}
          >
            {menu}
          </Drawer>
          <Outlet context={opened} />
        </Layout.Content>
      </Layout>
    );
  }
  return (
    <Layout className="fw-app">
      <Layout.Sider theme="light" width={220}>
        <Typography.Title level={5} className="fw-app-title" data-testid="app-title">
          {label(definition.label, definition.key)}
        </Typography.Title>
        {menu}
        <DesignLink app={app} admin={opened.access.admin} />
      </Layout.Sider>
      <Layout.Content className="fw-page">
        <Outlet context={opened} />
      </Layout.Content>
    </Layout>
  );
}
