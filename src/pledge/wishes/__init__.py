"""The wish pool (许愿池): requests for products a shop does not sell yet, found in what buyers
write, grouped into demands the merchant can act on."""
