import { SettingOutlined } from "@ant-design/icons";
import { Button, Dropdown } from "antd";
import { useNavigate } from "react-router-dom";
import { useI18n } from "../hooks/useI18n";
import { ADMIN_PAGES } from "./pages";
import { isAdmin } from "./RequireAdmin";

/** The header's admin menu, for admins only. */
export function AdminMenu() {
  const { t } = useI18n();
  const navigate = useNavigate();
  if (!isAdmin()) return null;
  return (
    <Dropdown
      trigger={["click"]}
      menu={{
        items: ADMIN_PAGES.map((page) => ({
          key: page.path,
          label: <span data-testid={`admin-menu-${page.key}`}>{t(page.label)}</span>,
        })),
        onClick: ({ key }) => navigate(key),
      }}
    >
      <Button size="small" icon={<SettingOutlined />} data-testid="admin-menu" aria-label={t("admin")} title={t("admin")}>
        <span className="fw-wide-only">{t("admin")}</span>
      </Button>
    </Dropdown>
  );
}
