rule r { strings: $a = "hid" xor(5) private $b = "secret" base64 private $c = "pub" condition: all of them }
