/**
 * The bar fixed at the bottom of a phone's screen: where a thumb reaches a
 * record's Edit and actions, or a form's Save, however far the page scrolls.
 * Pages that show one leave room for it (`fw-has-bottom-bar`).
 */
import { EllipsisOutlined } from "@ant-design/icons";
import { Button, Dropdown } from "antd";
import type { ReactNode } from "react";
import { useI18n } from "../hooks/useI18n";

/** One command of the bar: a button, or an entry of its "more" menu. */
export interface BarItem {
  key: string;
  label: ReactNode;
  /** The id tests find it by, as a button or as a menu entry alike. */
  testId: string;
  onClick: () => void;
  icon?: ReactNode;
  primary?: boolean;
  loading?: boolean;
  disabled?: boolean;
}

/** Buttons side by side on a 360 px screen with readable labels; beyond it the rest go under "more". */
const MAX_BUTTONS = 3;

export function BottomBar({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="fw-bottom-bar" data-testid={testId}>
      {children}
    </div>
  );
}

/** The items as buttons, the first ones that fit; the others in a "more" menu after them. */
export function BarButtons({ items }: { items: BarItem[] }) {
  const { t } = useI18n();
  const overflow = items.length > MAX_BUTTONS;
  const buttons = overflow ? items.slice(0, MAX_BUTTONS - 1) : items;
  const rest = overflow ? items.slice(MAX_BUTTONS - 1) : [];
  return (
    <>
      {buttons.map((item) => (
        <Button
          key={item.key}
          className="fw-bar-button"
          type={item.primary ? "primary" : "default"}
          icon={item.icon}
          loading={item.loading}
          disabled={item.disabled}
          data-testid={item.testId}
          onClick={item.onClick}
        >
          {item.label}
        </Button>
      ))}
      {rest.length > 0 && (
        <Dropdown
          trigger={["click"]}
          placement="topRight"
          menu={{
            items: rest.map((item) => ({
              key: item.key,
              icon: item.icon,
              disabled: item.disabled || item.loading,
              label: <span data-testid={item.testId}>{item.label}</span>,
            })),
            onClick: ({ key }) => rest.find((item) => item.key === key)?.onClick(),
          }}
        >
          <Button
            className="fw-bar-more"
            icon={<EllipsisOutlined />}
            aria-label={t("moreActions")}
            title={t("moreActions")}
            data-testid="bar-more"
          />
        </Dropdown>
      )}
    </>
  );
}
