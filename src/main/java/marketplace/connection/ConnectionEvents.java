package marketplace.connection;

import common.CborSerializable;
import java.time.Instant;

/** What a shop's connection entity persists. Tokens only ever appear sealed (AES-GCM, {@link TokenCipher}). */
public final class ConnectionEvents {
  private ConnectionEvents() {}

  public sealed interface Event extends CborSerializable {
    Instant at();
  }

  /**
   * The shop's authorisation as the platform granted it, tokens sealed.
   * @param accessToken sealed
   * @param refreshToken sealed
   */
  public record SealedGrant(String accessToken, String refreshToken, Instant issuedAt, Instant accessExpiresAt,
      Instant refreshExpiresAt, String shopCipher, String region, String shopName) implements CborSerializable {
    @Override
    public String toString() {
      return "SealedGrant[issuedAt=" + issuedAt + ", accessExpiresAt=" + accessExpiresAt + ", refreshExpiresAt="
          + refreshExpiresAt + ", region=" + region + "]";
    }
  }

  /**
   * A new authorisation (onboarding) or configured tokens imported.
   * @param source onboarding or config
   * @param configFingerprint for config imports: a hash of the configured tokens (changed configuration imports again)
   */
  public record Connected(SealedGrant grant, String source, String configFingerprint, Instant at) implements Event {}

  /**
   * A refresh is about to be sent with the current refresh token; until its outcome is persisted the entity is
   * refreshing, also after a crash (its recovery sends the refresh again: the outcome before the crash is unknown).
   * @param rejected the platform refused the current access token (else the refresh is ahead of expiry)
   */
  public record RefreshStarted(boolean rejected, Instant at) implements Event {}

  /** The platform's new pair, persisted before any call uses it. */
  public record Refreshed(SealedGrant grant, Instant at) implements Event {}

  /** The platform refused the refresh: the authorisation is gone until the seller connects the shop again. */
  public record RefreshRefused(String code, String message, Instant at) implements Event {}

  /** A refresh failed for now (network, 5xx, rate limit): still refreshing, tried again later. */
  public record RefreshDeferred(String code, Instant at) implements Event {}

  /** The platform said the seller removed the authorisation (Shopee push 2, TikTok webhook 6). */
  public record Deauthorised(String reason, Instant at) implements Event {}

  /** The platform announced when the authorisation ends (Shopee push 12, TikTok webhook 7). */
  public record ExpiryAnnounced(Instant authorisationExpiresAt, Instant at) implements Event {}

  /** The operator disconnected the shop; its tokens are forgotten. */
  public record Disconnected(String actor, Instant at) implements Event {}
}
