import { ArrowLeftOutlined } from "@ant-design/icons";
import { Button, Layout, Menu, Spin, Typography } from "antd";
import { useCallback, useMemo } from "react";
import { Link, Navigate, Route, Routes, useLocation, useNavigate, useParams } from "react-router-dom";
import { designApi } from "../api/design";
import type { AppDefinition } from "../api/types";
import { loadFieldCatalog } from "../catalog";
import { LoadError } from "../components/LoadError";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { DesignContext, differs, type DesignState } from "./context";
import { DraftBar } from "./DraftBar";
import { DESIGN_PAGES } from "./pages";

interface Versions {
  published: AppDefinition;
  draft: AppDefinition | null;
}

/**
 * `/design/:app/*`: the builder of one app. Its design pages (from the
 * registry in pages.ts) in a side menu, the draft/publish bar on top; every
 * page edits the same working definition and saves it as the draft.
 */
export function DesignShell() {
  const { app = "" } = useParams();
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const { data, error, reload } = useLoader(
    () =>
      Promise.all([designApi.published(app), designApi.draft(app), loadFieldCatalog()]).then(
        ([published, draft]): Versions => ({ published, draft }),
      ),
    [app],
  );

  const saveDraft = useCallback(
    async (definition: AppDefinition) => {
      await designApi.saveDraft(app, definition);
      reload();
    },
    [app, reload],
  );
  const publish = useCallback(async () => {
    try {
      await designApi.publish(app);
    } finally {
      // A refused publish may still have been raced by someone else's: show what is there now.
      reload();
    }
  }, [app, reload]);

  const state = useMemo<DesignState | null>(
    () =>
      data && data.published.key === app
        ? {
            app,
            published: data.published,
            draft: data.draft,
            working: data.draft ?? data.published,
            changed: differs(data.draft, data.published),
            saveDraft,
            publish,
          }
        : null,
    [app, data, saveDraft, publish],
  );

  if (error) return <LoadError error={error} />;
  if (!state) return <Spin className="fw-center" />;
  const base = `/design/${encodeURIComponent(app)}`;
  const current = DESIGN_PAGES.find((page) => location.pathname.startsWith(`${base}/${page.route}`));
  return (
    <DesignContext.Provider value={state}>
      <Layout className="fw-app" data-testid="design-shell">
        <Layout.Sider theme="light" width={200} breakpoint="md" collapsedWidth={0}>
          <Typography.Title level={5} className="fw-app-title" data-testid="design-title">
            {label(state.published.label, app)}
          </Typography.Title>
          <Menu
            mode="inline"
            data-testid="design-menu"
            style={{ borderInlineEnd: "none" }}
            selectedKeys={current ? [current.key] : []}
            items={DESIGN_PAGES.map((page) => ({
              key: page.key,
              label: <span data-testid={`design-menu-${page.key}`}>{t(page.label)}</span>,
            }))}
            onClick={({ key }) => {
              const page = DESIGN_PAGES.find((candidate) => candidate.key === key);
              if (page) navigate(`${base}/${page.route}`);
            }}
          />
          <Link to={`/apps/${encodeURIComponent(app)}`} className="fw-design-back">
            <Button type="link" icon={<ArrowLeftOutlined />}>
              {t("backToApp")}
            </Button>
          </Link>
        </Layout.Sider>
        <Layout.Content className="fw-page">
          <DraftBar />
          <Routes>
            <Route index element={<Navigate to={DESIGN_PAGES[0].route} replace />} />
            {DESIGN_PAGES.map((page) => (
              <Route key={page.key} path={`${page.route}/*`} element={<page.component />} />
            ))}
          </Routes>
        </Layout.Content>
      </Layout>
    </DesignContext.Provider>
  );
}
