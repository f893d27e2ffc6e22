#ifndef ESSAYD_VERSION_H
#define ESSAYD_VERSION_H
#define ESSAYD_VERSION "0.1.0"
#endif
