import { Result } from "antd";
import type { ReactNode } from "react";
import { session } from "../api/client";
import { useI18n } from "../hooks/useI18n";

/** Whether the signed-in user administers the tenant (the server checks again on every call). */
export function isAdmin(): boolean {
  return session.user()?.is_admin === true;
}

/** Admin pages: others see a refusal rather than a page whose every call would answer 403. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  if (!isAdmin()) return <Result status="403" title={t("adminOnly")} />;
  return <>{children}</>;
}
