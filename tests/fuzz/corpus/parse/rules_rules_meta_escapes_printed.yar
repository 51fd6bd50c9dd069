rule r {
  meta:
    s1 = "quote \" backslash \\ tab \t nl \n hex \x41 high \xe9"
  condition: true
}
