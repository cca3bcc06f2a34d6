// The Events page in the page registry (the journal, filtered, live, with chains).
import { registerPage } from "../registry.js";
import { mountEvents } from "../events.js";

registerPage({ id: "events", title: "Events", order: 40, mount: (root, ctx) => mountEvents(root, ctx) });
