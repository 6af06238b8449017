import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { ADMIN_PAGES } from "./admin/pages";
import { RequireAdmin } from "./admin/RequireAdmin";
import { RequireAuth } from "./components/RequireAuth";
import { Shell } from "./components/Shell";
import { DesignShell } from "./design/DesignShell";
import { I18nProvider, useI18n } from "./hooks/useI18n";
import { useReducedMotion } from "./hooks/useReducedMotion";
import { NotificationsPage } from "./notifications/NotificationsPage";
import { AppListPage } from "./pages/AppListPage";
import { AppPage, FirstEntityRedirect } from "./pages/AppPage";
import { EntityListPage } from "./pages/EntityListPage";
import { LoginPage } from "./pages/LoginPage";
import { RecordFormPage } from "./pages/RecordFormPage";
import { RecycleBinPage } from "./pages/RecycleBinPage";
import { RecordPage } from "./pages/RecordPage";

function Routed() {
  const { lang } = useI18n();
  const reducedMotion = useReducedMotion();
  return (
    <ConfigProvider locale={lang === "zh-CN" ? zhCN : enUS} theme={{ token: { motion: !reducedMotion } }}>
      <AntApp>
        <BrowserRouter>
          <Routes>
            <Route element={<Shell />}>
              <Route path="login" element={<LoginPage />} />
              <Route element={<RequireAuth />}>
                <Route index element={<AppListPage />} />
                <Route path="apps/:app" element={<AppPage />}>
                  <Route index element={<FirstEntityRedirect />} />
                  <Route path=":entity" element={<EntityListPage />} />
                  <Route path=":entity/new" element={<RecordFormPage />} />
                  <Route path=":entity/deleted" element={<RecycleBinPage />} />
                  <Route path=":entity/:id" element={<RecordPage />} />
                  <Route path=":entity/:id/edit" element={<RecordFormPage />} />
                </Route>
                <Route path="notifications" element={<NotificationsPage />} />
                <Route
                  path="design/:app/*"
                  element={
                    <RequireAdmin>
                      <DesignShell />
                    </RequireAdmin>
                  }
                />
                {ADMIN_PAGES.map((page) => (
                  <Route
                    key={page.key}
                    path={page.path}
                    element={
                      <RequireAdmin>
                        <page.component />
                      </RequireAdmin>
                    }
                  />
                ))}
              </Route>
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Routed />
    </I18nProvider>
  );
}
