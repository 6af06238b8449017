import { useLayoutEffect, useRef } from "react";
import { useLocation, useNavigationType } from "react-router-dom";

/**
 * A new page starts at its top: without this the window keeps the previous
 * page's scroll, so a form opened from low on a record page (a related list's
 * "new") opened half-way down. Only a move to another path: a list's own
 * query changes (filters, sorting) keep the place; "back" and "forward" are
 * left to the browser.
 */
export function ScrollToTop() {
  const { pathname } = useLocation();
  // Read when the path changes, not a reason to scroll of its own.
  const type = useNavigationType();
  const navigation = useRef(type);
  navigation.current = type;
  useLayoutEffect(() => {
    if (navigation.current !== "POP") window.scrollTo(0, 0);
  }, [pathname]);
  return null;
}
