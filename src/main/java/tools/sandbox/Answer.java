package tools.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/** What a stand-in answers a call: the HTTP status, the body, and the outcome recorded in its {@link Sandbox.Call}. */
record Answer(int status, JsonNode body, String outcome) {}
