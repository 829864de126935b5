package marketplace;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where {@link WhatsAppSender} finds the phone of an order's buyer when the order does not carry it (orders keep
 * personal data out of their journal: {@code order.BuyerDataStore}). Empty once the data is erased.
 */
public interface BuyerPhones {
  BuyerPhones NONE = orderKey -> java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());

  CompletionStage<Optional<String>> phoneOf(String orderKey);
}
