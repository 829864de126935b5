package tools.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a stand-in answers a call: the HTTP status, the body, and the outcome recorded in its {@link Sandbox.Call};
 * {@code location} (else null) is the Location header of an authorisation page's redirect.
 */
record Answer(int status, JsonNode body, String outcome, String location) {
  Answer(int status, JsonNode body, String outcome) {
    this(status, body, outcome, null);
  }

  /** 302 Found to {@code location}: where the platform sends the seller's browser. */
  static Answer redirect(String location, String outcome) {
    return new Answer(302, SandboxJson.MAPPER.createObjectNode(), outcome, location);
  }
}
