/** The admin area's pages: the header menu and the routes both come from this list. */
import type { ComponentType } from "react";
import type { MessageKey } from "../i18n";
import { ChannelsPage } from "./ChannelsPage";
import { DeliveriesPage } from "./DeliveriesPage";

export interface AdminPage {
  key: string;
  label: MessageKey;
  /** Absolute route of the page. */
  path: string;
  component: ComponentType;
}

export const ADMIN_PAGES: AdminPage[] = [
  { key: "deliveries", label: "deliveries", path: "/admin/deliveries", component: DeliveriesPage },
  { key: "channels", label: "channels", path: "/admin/channels", component: ChannelsPage },
];
