/**
 * The builder's design pages: the shell's menu and routes come from this
 * list, so the flow, report, print and form designers plug in by adding an
 * entry here.
 */
import type { ComponentType } from "react";
import type { MessageKey } from "../i18n";
import { RulesPage } from "./rules/RulesPage";

export interface DesignPage {
  key: string;
  label: MessageKey;
  /** The route under `/design/:app/`; the page owns everything below it. */
  route: string;
  component: ComponentType;
}

export const DESIGN_PAGES: DesignPage[] = [{ key: "rules", label: "designRules", route: "rules", component: RulesPage }];
