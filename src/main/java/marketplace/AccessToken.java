package marketplace;

import java.time.Instant;

/**
 * What a shop's calls carry: its access token, when it expires and when it should be renewed (both null when
 * unknown: a token imported from configuration is used until the platform refuses it). Never logged.
 */
public record AccessToken(String token, Instant expiresAt, Instant refreshDueAt) {
  @Override
  public String toString() {
    return "AccessToken[token=***, expiresAt=" + expiresAt + ", refreshDueAt=" + refreshDueAt + "]";
  }
}
