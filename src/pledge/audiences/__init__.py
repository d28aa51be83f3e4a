"""Shop audiences (人群): who viewed, clicked, carted or ordered a shop's products in the last N
days, its followers and its wishers; campaigns that reach an audience with a shop coupon or a
"we are live" notice, and the orders they bring."""
