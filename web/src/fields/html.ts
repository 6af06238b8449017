/**
 * A small allowlist sanitiser for rich-text HTML shown or edited in the page.
 *
 * The server sanitises rich text before storing it; this is the second line,
 * so that nothing the page renders with innerHTML depends on one check only.
 * It keeps formatting tags and http(s)/mailto links and drops everything
 * else (scripts, styles, event handlers, other attributes), keeping the text
 * of unknown elements.
 */

const ALLOWED_TAGS = new Set([
  "p",
  "br",
  "div",
  "span",
  "strong",
  "b",
  "em",
  "i",
  "u",
  "s",
  "ul",
  "ol",
  "li",
  "a",
  "h1",
  "h2",
  "h3",
  "h4",
  "blockquote",
  "code",
  "pre",
]);
/** Elements whose content is not text to keep. */
const DROPPED_WITH_CONTENT = new Set(["script", "style", "template", "iframe", "object", "embed", "svg", "math"]);
const SAFE_HREF = /^(https?:|mailto:)/i;
/** Bounds the walk: the server refuses larger values anyway. */
const MAX_NODES = 50_000;

function cleanChildren(source: Node, target: Node, budget: { nodes: number }): void {
  for (const child of Array.from(source.childNodes)) {
    if (--budget.nodes < 0) return;
    if (child.nodeType === Node.TEXT_NODE) {
      target.appendChild(document.createTextNode(child.textContent ?? ""));
    } else if (child instanceof Element) {
      const tag = child.tagName.toLowerCase();
      if (DROPPED_WITH_CONTENT.has(tag)) continue;
      if (!ALLOWED_TAGS.has(tag)) {
        cleanChildren(child, target, budget);
        continue;
      }
      const copy = document.createElement(tag);
      const href = tag === "a" ? child.getAttribute("href")?.trim() : undefined;
      if (href && SAFE_HREF.test(href)) {
        copy.setAttribute("href", href);
        copy.setAttribute("target", "_blank");
        copy.setAttribute("rel", "noopener noreferrer");
      }
      cleanChildren(child, copy, budget);
      target.appendChild(copy);
    }
  }
}

/** `html` with only allowed tags and safe links; parsing happens in an inert document. */
export function sanitizeHtml(html: string): string {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const out = document.createElement("div");
  cleanChildren(parsed.body, out, { nodes: MAX_NODES });
  return out.innerHTML;
}

/** The text of some HTML, for places that show one line (tables). */
export function htmlText(html: string): string {
  return new DOMParser().parseFromString(html, "text/html").body.textContent?.replace(/\s+/g, " ").trim() ?? "";
}
