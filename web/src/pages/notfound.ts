import { h } from "../dom";
import type { Route, View } from "../router";
import { title } from "../ui";

export async function notFound(route: Route): Promise<View> {
  return {
    title: "Not found",
    node: h("div", { class: "page", "data-state": "missing" }, title("Page not found"), h("p", null, `Nothing lives at ${route.path}. `, h("a", { href: "/" }, "Go to the overview"), ".")),
  };
}
