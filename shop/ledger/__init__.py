"""Beat tasks of seller money: paying sellers, reconciling the ledger with Stripe (services: shop.services)."""
