// The Research page in the page registry (news, sentiment over time, plans, track record).
import { registerPage } from "../registry.js";
import { mountResearch } from "../research.js";

registerPage({ id: "research", title: "Research", order: 30, mount: (root, ctx) => mountResearch(root, ctx) });
