/**
 * A list's occasional tools (export, import, the recycle bin): in the
 * toolbar on a desktop; on a phone behind one "more tools" button, in a
 * drawer from the bottom, so that the search and the filter keep the row.
 */
import { EllipsisOutlined } from "@ant-design/icons";
import { Button, Drawer, Flex } from "antd";
import { useState, type ReactNode } from "react";
import { useI18n } from "../hooks/useI18n";
import { usePhone } from "../hooks/usePhone";

export function PhoneTools({ children }: { children: ReactNode }) {
  const phone = usePhone();
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  if (!phone) return <>{children}</>;
  return (
    <>
      <Button
        icon={<EllipsisOutlined />}
        aria-label={t("moreTools")}
        title={t("moreTools")}
        data-testid="list-tools"
        onClick={() => setOpen(true)}
      />
      <Drawer placement="bottom" size="auto" open={open} onClose={() => setOpen(false)} title={t("moreTools")}>
        <Flex vertical gap="small" className="fw-phone-tools" data-testid="list-tools-drawer">
          {children}
        </Flex>
      </Drawer>
    </>
  );
}
